using System.Globalization;

namespace Orleans.Media.Bench;

/// <summary>
/// CPU outside this process that a request-rate window also spends: the whole machine's busy time (/proc/stat) and
/// the bench's own PostgreSQL server (its postmaster, found by the port of <c>ORLEANSMEDIA_TEST_PG</c>, and the
/// postmaster's children). With both, a request's cost is counted whole: the silo and generator here, plus the
/// database work it caused — and a window whose machine was not busy was not limited by CPU.
/// </summary>
public static class HostCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public readonly record struct Sample(long MachineBusyTicks, long MachineTotalTicks, long PostgresTicks);

    public static Sample Take()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        var (busy, total) = Machine();
        return new Sample(busy, total, Postgres());
    }

    /// <summary>The share of the machine's CPU time that was busy between two samples (0–1).</summary>
    public static double BusyShare(Sample before, Sample after) =>
        after.MachineTotalTicks > before.MachineTotalTicks
            ? (after.MachineBusyTicks - before.MachineBusyTicks) / (double)(after.MachineTotalTicks - before.MachineTotalTicks)
            : double.NaN;

    public static TimeSpan PostgresTime(Sample before, Sample after) =>
        TimeSpan.FromSeconds(Math.Max(0, after.PostgresTicks - before.PostgresTicks) / TicksPerSecond);

    private static (long Busy, long Total) Machine()
    {
        // cpu  user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return (total - idle, total);
    }

    private static long Postgres()
    {
        if (Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_PG") is not { } connection ||
            new Npgsql.NpgsqlConnectionStringBuilder(connection).Port is var port && port <= 0)
        {
            return 0;
        }

        var stats = new List<(int Pid, int Parent, long Ticks)>();
        int? postmaster = null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                if (!stat.AsSpan(0, close).EndsWith("(postgres", StringComparison.Ordinal))
                {
                    continue;
                }

                // After "(comm)": state ppid ... utime(14th field) stime(15th), counted from the field after comm.
                var rest = stat[(close + 2)..].Split(' ');
                stats.Add((pid, int.Parse(rest[1], CultureInfo.InvariantCulture),
                    long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)));
                if (postmaster is null && File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains($" -p {port} ", StringComparison.Ordinal))
                {
                    postmaster = pid;
                }
            }
            catch (IOException)
            {
                // Gone between listing and reading.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return postmaster is { } root ? stats.Where(s => s.Pid == root || s.Parent == root).Sum(s => s.Ticks) : 0;
    }
}
