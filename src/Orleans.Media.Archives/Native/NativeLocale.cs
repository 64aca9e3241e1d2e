namespace Orleans.Media.Archives.Native;

/// <summary>
/// .NET never calls <c>setlocale</c>, so the C library stays in the "C" locale and libarchive returns NULL for
/// every non-ASCII name of 7z, RAR and UTF-8-flagged zip entries. Switching LC_CTYPE to UTF-8 once, before the
/// first <c>archive_read_new</c>, fixes that for the whole process.
/// </summary>
internal static unsafe class NativeLocale
{
    private const int LcCtype = 0; // glibc

    private static readonly Lazy<bool> Applied = new(Apply, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureUtf8()
    {
        if (!Applied.Value)
        {
            throw new InvalidOperationException("setlocale(LC_CTYPE, \"C.UTF-8\") failed: libarchive could not decode non-ASCII names.");
        }
    }

    private static bool Apply()
    {
        foreach (var name in (ReadOnlySpan<string>)["C.UTF-8", "C.utf8", "en_US.UTF-8"])
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* p = bytes)
            {
                if (LibArchive.SetLocale(LcCtype, p) != nint.Zero)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
