using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Remembers an object's S3-style ETag and content type in a user extended attribute of its file, so HEAD, LIST and
/// GET can answer them without re-reading the file. The attribute also records size and modification time: a file
/// changed behind our back (or dropped in by a user) has no valid ETag, and we answer null rather than a wrong one.
/// Best effort: on a file system without user xattrs both are simply unknown.
/// <para>
/// Kept small on purpose: a short name and hex numbers, so an extracted file's attribute (about 60 bytes) fits in
/// an ext4 inode's spare space (256-byte inodes leave about 90 bytes). A longer one spills into a 4 KiB block of its
/// own per file: an allocation and a metadata write per object, which doubled the disk blocks of small files.
/// Attributes in the earlier format (<see cref="LegacyAttributeName"/>, decimal numbers) are still read.
/// </para>
/// </summary>
internal static partial class LocalObjectAttributes
{
    private const string AttributeName = "user.om";
    private const string LegacyAttributeName = "user.orleansmedia.object";

    public static void Save(string path, string? etag, string? contentType)
    {
        if (!OperatingSystem.IsLinux() || (etag is null && contentType is null))
        {
            return;
        }

        var info = new FileInfo(path);
        var value = Format(etag, info.Length, info.LastWriteTimeUtc, contentType);
        _ = setxattr(path, AttributeName, value, (nuint)value.Length, 0);
    }

    /// <summary>
    /// Records the attribute through an open file, before it is renamed into place: no path lookups, and the object
    /// is never visible without it. Size and time are those the writer knows (neither a rename nor an xattr change
    /// alters the modification time).
    /// </summary>
    public static void Save(SafeFileHandle file, long length, DateTime lastWriteUtc, string? etag, string? contentType)
    {
        if (!OperatingSystem.IsLinux() || (etag is null && contentType is null))
        {
            return;
        }

        var value = Format(etag, length, lastWriteUtc, contentType);
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = fsetxattr((int)file.DangerousGetHandle(), AttributeName, value, (nuint)value.Length, 0);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    public static (string? ETag, string? ContentType) Load(FileInfo info)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null);
        }

        Span<byte> buffer = stackalloc byte[512];
        var numberStyle = NumberStyles.AllowHexSpecifier;
        var n = Get(info.FullName, AttributeName, buffer);
        if (n <= 0)
        {
            numberStyle = NumberStyles.None;
            n = Get(info.FullName, LegacyAttributeName, buffer);
        }

        if (n <= 0)
        {
            return (null, null);
        }

        var parts = Encoding.UTF8.GetString(buffer[..n]).Split('|', 4);
        if (parts.Length != 4)
        {
            return (null, null);
        }

        var unchanged = long.TryParse(parts[1], numberStyle, CultureInfo.InvariantCulture, out var length) && length == info.Length &&
                        long.TryParse(parts[2], numberStyle, CultureInfo.InvariantCulture, out var ticks) && ticks == info.LastWriteTimeUtc.Ticks;
        return (unchanged && parts[0].Length > 0 ? parts[0] : null, parts[3].Length > 0 ? parts[3] : null);
    }

    private static byte[] Format(string? etag, long length, DateTime lastWriteUtc, string? contentType) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{etag}|{length:x}|{lastWriteUtc.Ticks:x}|{contentType}"));

    private static unsafe int Get(string path, string name, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return (int)getxattr(path, name, p, (nuint)buffer.Length);
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fsetxattr(int fd, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint getxattr(string path, string name, byte* value, nuint size);
}
