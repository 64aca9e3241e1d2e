using System.Globalization;

namespace Orleans.Media.Bench;

/// <summary>
/// Memory of the engine's 7zz decoder child: the process's own RSS samples leave children out, getrusage's children
/// peak counts the parent's image the child had between fork and exec, and this kernel has no
/// /proc/PID/task/TID/children, so the children are found by their parent id in /proc.
/// </summary>
internal static class ChildProcesses
{
    /// <summary>The largest VmHWM (peak RSS, bytes) among this process's living 7zz children; 0 when there are none.</summary>
    public static long SevenZipPeakRss()
    {
        long peak = 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var status = File.ReadAllLines(Path.Combine(folder, "status"));
                if (Field(status, "Name") != "7zz" || Field(status, "PPid") != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
                {
                    continue;
                }

                // "VmHWM:    5956 kB"
                if (Field(status, "VmHWM") is { } hwm && long.TryParse(hwm.Split(' ')[0], CultureInfo.InvariantCulture, out var kib))
                {
                    peak = Math.Max(peak, kib * 1024);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return peak;
    }

    private static string? Field(string[] status, string name) =>
        status.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal)) is { } line ? line[(name.Length + 1)..].Trim() : null;
}
