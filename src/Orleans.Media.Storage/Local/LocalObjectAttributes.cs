using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Remembers an object's S3-style ETag and content type in a user extended attribute of its file, so HEAD, LIST and
/// GET can answer them without re-reading the file. The attribute also records size and modification time: a file
/// changed behind our back (or dropped in by a user) has no valid ETag, and we answer null rather than a wrong one.
/// Best effort: on a file system without user xattrs both are simply unknown.
/// </summary>
internal static partial class LocalObjectAttributes
{
    private const string AttributeName = "user.orleansmedia.object";

    public static void Save(string path, string? etag, string? contentType)
    {
        if (!OperatingSystem.IsLinux() || (etag is null && contentType is null))
        {
            return;
        }

        var info = new FileInfo(path);
        var value = Encoding.UTF8.GetBytes(string.Join(
            '|',
            etag ?? string.Empty,
            info.Length.ToString(CultureInfo.InvariantCulture),
            info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture),
            contentType ?? string.Empty));
        _ = setxattr(path, AttributeName, value, (nuint)value.Length, 0);
    }

    public static (string? ETag, string? ContentType) Load(FileInfo info)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null);
        }

        Span<byte> buffer = stackalloc byte[512];
        nint n;
        unsafe
        {
            fixed (byte* p = buffer)
            {
                n = getxattr(info.FullName, AttributeName, p, (nuint)buffer.Length);
            }
        }

        if (n <= 0)
        {
            return (null, null);
        }

        var parts = Encoding.UTF8.GetString(buffer[..(int)n]).Split('|', 4);
        if (parts.Length != 4)
        {
            return (null, null);
        }

        var unchanged = parts[1] == info.Length.ToString(CultureInfo.InvariantCulture) &&
                        parts[2] == info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture);
        return (unchanged && parts[0].Length > 0 ? parts[0] : null, parts[3].Length > 0 ? parts[3] : null);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint getxattr(string path, string name, byte* value, nuint size);
}
