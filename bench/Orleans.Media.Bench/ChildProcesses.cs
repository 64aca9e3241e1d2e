using System.Runtime.InteropServices;

namespace Orleans.Media.Bench;

/// <summary>
/// Memory of child processes (the engine's 7zz decoder): the process's own RSS samples leave them out, and this kernel
/// has no /proc/PID/task/TID/children to find them by.
/// </summary>
internal static partial class ChildProcesses
{
    private const int RusageChildren = -1;

    /// <summary>The largest peak RSS of any child process reaped so far (getrusage's ru_maxrss, in KiB).</summary>
    public static unsafe long PeakRssBytes()
    {
        // struct rusage on x86-64/arm64: two timevals, then ru_maxrss; 144 bytes in all.
        var usage = stackalloc long[18];
        return GetRusage(RusageChildren, usage) == 0 ? usage[4] * 1024 : 0;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static unsafe partial int GetRusage(int who, long* usage);
}
