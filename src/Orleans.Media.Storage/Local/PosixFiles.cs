using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// The few POSIX calls on the hot path of writing an object, made directly. Through <see cref="File.OpenHandle"/>
/// and <see cref="File.Move(string, string, bool)"/> every small object paid for an fstatfs, a flock and its
/// unlock, an lseek and an lstat that protect nothing here: temp names are unique to their writer (no lock
/// needed) and a failed rename already says why. Only on 64-bit Linux (the local backend's xattrs are Linux
/// too); other systems use the framework calls.
/// </summary>
internal static partial class PosixFiles
{
    private const int ENOENT = 2;
    private const int EINTR = 4;
    private const int EWOULDBLOCK = 11;
    private const int EEXIST = 17;
    private const int EISDIR = 21;
    private const int EINVAL = 22;
    private const int EOPNOTSUPP = 95;
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_FOLLOW = 0x400;
    private const int O_RDONLY = 0x0;
    private const int O_WRONLY = 0x1;
    private const int O_CREAT = 0x40;
    private const int O_EXCL = 0x80;
    private const int O_CLOEXEC = 0x80000;
    private const int LOCK_SH = 1;
    private const int LOCK_EX = 2;
    private const int LOCK_NB = 4;

    /// <summary>The flag values and the 64-bit offset of pwrite above are those of 64-bit Linux.</summary>
    private static readonly bool Direct = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>O_TMPFILE (which includes O_DIRECTORY, whose value differs by architecture); 0 where unknown.</summary>
    private static readonly int O_TMPFILE = !Direct ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x400000 | 0x10000,
        Architecture.Arm64 => 0x400000 | 0x4000,
        _ => 0,
    };

    /// <summary>O_DIRECT, whose value also differs by architecture; 0 where unknown.</summary>
    private static readonly int O_DIRECT = !Direct ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => 0,
    };

    /// <summary>Linking an unnamed file goes through its /proc/self/fd entry (linkat with AT_EMPTY_PATH needs privileges).</summary>
    public static bool UnnamedFilesPossible => O_TMPFILE != 0 && Directory.Exists("/proc/self/fd");

    /// <summary>Creates <paramref name="path"/>, which must not exist, for writing.</summary>
    public static SafeFileHandle CreateNew(string path)
    {
        if (!Direct)
        {
            return File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }

        var fd = Open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0x1B6 /* 0666, less the umask */);

        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"Could not create '{path}': {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno switch
            {
                ENOENT => new DirectoryNotFoundException(message),
                EEXIST => new IOException(message),
                _ => new IOException(message, errno),
            };
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// An unnamed file in <paramref name="directory"/> (O_TMPFILE): invisible until <see cref="TryLink"/> gives it a
    /// name, and freed by the kernel if the process dies first, so there is nothing to clean up. Null when the file
    /// system cannot make one.
    /// </summary>
    public static SafeFileHandle? TryCreateUnnamed(string directory)
    {
        if (O_TMPFILE == 0)
        {
            return null;
        }

        var fd = Open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0x1B6);

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            EOPNOTSUPP or EISDIR or EINVAL => null,
            ENOENT => throw new DirectoryNotFoundException($"Could not create a file in '{directory}': it does not exist"),
            _ => throw new IOException($"Could not create a file in '{directory}': {Marshal.GetPInvokeErrorMessage(errno)}", errno),
        };
    }

    /// <summary>
    /// Names an unnamed file <paramref name="path"/>; false when something already has that name (linking never
    /// replaces). The file appears with its content and attributes complete.
    /// </summary>
    public static bool TryLink(SafeFileHandle file, string path)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var source = "/proc/self/fd/" + ((int)file.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (linkat(AT_FDCWD, source, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                EEXIST => false,
                ENOENT => throw new DirectoryNotFoundException($"Could not create '{path}': its folder does not exist"),
                _ => throw new IOException($"Could not create '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno),
            };
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>.</summary>
    public static void Write(SafeFileHandle file, ReadOnlySpan<byte> data, long offset)
    {
        if (!Direct)
        {
            RandomAccess.Write(file, data, offset);
            return;
        }

        var errno = WriteAll(file, data, offset);
        if (errno != 0)
        {
            throw new IOException("Writing the object's temp file failed: " + Marshal.GetPInvokeErrorMessage(errno), errno);
        }
    }

    /// <summary>
    /// Opens the existing <paramref name="path"/> for writes that go around the page cache (O_DIRECT); null where
    /// the system or the file system has none (older tmpfs and some FUSE file systems refuse the flag with EINVAL),
    /// and null on any other failure but a missing file too (out of descriptors, say): the caller's handle through the
    /// page cache is open already, and the write goes that way.
    /// </summary>
    public static SafeFileHandle? TryOpenUncached(string path)
    {
        if (O_DIRECT == 0)
        {
            return null;
        }

        var fd = Open(path, O_WRONLY | O_DIRECT | O_CLOEXEC, 0);

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? throw new FileNotFoundException($"Could not open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", path) : null;
    }

    /// <summary>
    /// Writes all of <paramref name="data"/> at <paramref name="offset"/> through a handle of <see cref="TryOpenUncached"/>;
    /// false, having written nothing that counts, when the device refuses the buffer's or the offset's alignment
    /// (EINVAL): the caller writes the same bytes through the page cache instead.
    /// </summary>
    public static bool TryWriteUncached(SafeFileHandle file, ReadOnlySpan<byte> data, long offset)
    {
        var errno = WriteAll(file, data, offset);
        return errno switch
        {
            0 => true,
            EINVAL => false,
            _ => throw new IOException("Writing a part of a multipart upload failed: " + Marshal.GetPInvokeErrorMessage(errno), errno),
        };
    }

    /// <summary>pwrite until all of <paramref name="data"/> is written (0) or a call fails (its errno).</summary>
    private static int WriteAll(SafeFileHandle file, ReadOnlySpan<byte> data, long offset)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var fd = (int)file.DangerousGetHandle();
            while (!data.IsEmpty)
            {
                nint n;
                unsafe
                {
                    fixed (byte* p = data)
                    {
                        n = pwrite(fd, p, (nuint)data.Length, offset);
                    }
                }

                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != EINTR)
                    {
                        return errno;
                    }

                    continue;
                }

                data = data[(int)n..];
                offset += n;
            }

            return 0;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Atomically replaces <paramref name="to"/> with <paramref name="from"/>. A missing source or target folder
    /// both throw <see cref="DirectoryNotFoundException"/> (ENOENT does not say which).
    /// </summary>
    public static void Rename(string from, string to)
    {
        if (!Direct)
        {
            try
            {
                File.Move(from, to, overwrite: true);
            }
            catch (FileNotFoundException e)
            {
                throw new DirectoryNotFoundException(e.Message, e);
            }

            return;
        }

        if (rename(from, to) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        var message = $"Could not rename '{from}' to '{to}': {Marshal.GetPInvokeErrorMessage(errno)}";
        throw errno == ENOENT ? new DirectoryNotFoundException(message) : new IOException(message, errno);
    }

    /// <summary>
    /// Opens (creating it if need be) <paramref name="path"/> and takes a shared or exclusive lock on it without
    /// waiting; null when a conflicting lock is held. The lock belongs to the returned handle (flock: per open file,
    /// so two handles of one process conflict as two processes do) and ends when it is closed.
    /// </summary>
    public static SafeFileHandle? TryLock(string path, bool exclusive)
    {
        if (!Direct)
        {
            // The framework locks what it opens by its share mode (flock on Unix, share modes on Windows).
            try
            {
                return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Read, exclusive ? FileShare.None : FileShare.ReadWrite | FileShare.Delete);
            }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException))
            {
                return null;
            }
        }

        var fd = Open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0x1B6);

        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"Could not open '{path}': {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno == ENOENT ? new DirectoryNotFoundException(message) : new IOException(message, errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        int result;
        do
        {
            result = flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);

        if (result == 0)
        {
            return handle;
        }

        var lockErrno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        return lockErrno == EWOULDBLOCK ? null : throw new IOException($"Could not lock '{path}': {Marshal.GetPInvokeErrorMessage(lockErrno)}", lockErrno);
    }

    /// <summary>open(2), again when a signal interrupts it; a negative result leaves its errno for <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    private static int Open(string path, int flags, int mode)
    {
        int fd;
        do
        {
            fd = open(path, flags, mode);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);

        return fd;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint pwrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int rename(string from, string to);
}
