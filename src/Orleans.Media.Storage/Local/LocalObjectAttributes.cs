using System.Runtime.InteropServices;
using System.Text;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Remembers an object's S3-style ETag in a user extended attribute of its file, so HEAD and LIST can answer it
/// without re-reading the file. The attribute also records size and modification time: a file changed behind our
/// back (or dropped in by a user) has no valid ETag, and we answer null rather than a wrong one.
/// Best effort: a file system without user xattrs just never has one.
/// </summary>
internal static partial class LocalETags
{
    private const string AttributeName = "user.orleansmedia.etag";

    public static void Save(string path, string etag)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var info = new FileInfo(path);
        var value = Encoding.ASCII.GetBytes($"{etag}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
        _ = setxattr(path, AttributeName, value, (nuint)value.Length, 0);
    }

    public static string? Load(FileInfo info)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[160];
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
            return null;
        }

        var parts = Encoding.ASCII.GetString(buffer[..(int)n]).Split('|');
        return parts.Length == 3 &&
               parts[1] == info.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) &&
               parts[2] == info.LastWriteTimeUtc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? parts[0]
            : null;
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint getxattr(string path, string name, byte* value, nuint size);
}
