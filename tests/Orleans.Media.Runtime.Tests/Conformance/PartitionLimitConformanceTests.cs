using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Per-partition job limits set inside turns (Grain.SetJobPartitionLimit): enforced cluster-wide by the
/// claim, changed from the next claim on, written with the turn or not at all.</summary>
public abstract class PartitionLimitConformanceTests : ConformanceTestBase
{
    private const int Default = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Long enough for several claims of both silos (fast timings poll every 100 ms).</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(800);

    /// <summary>Two silos of 8 job slots each, the default partition cap <see cref="Default"/>.</summary>
    private Task<TestCluster> StartTwoSilosAsync() => StartClusterAsync(2, o => o.ConfigureOptions = r =>
    {
        r.MaxConcurrentJobs = 8;
        r.MaxConcurrentPerPartition = Default;
    });

    [Fact]
    public async Task A_limited_partition_runs_at_most_its_limit_and_a_raised_or_removed_limit_applies_on_the_next_claim()
    {
        await using var cluster = await StartTwoSilosAsync();
        var source = cluster[0].GetGrain<IJobSourceGrain>(NewKey("src"));
        var probe = NewKey("p");
        await source.SetPartitionLimit("A", 2);
        await source.ScheduleMany("slow", probe + ":-1", "A", 10);   // held until the gate opens
        await source.ScheduleMany("slow", probe + ":-1", "B", 10);

        // 16 slots over two silos: only the caps hold jobs back.
        await AssertRunningSettlesAtAsync(probe, "A", 2);
        Assert.Equal(Default, Running(probe, "B"));

        await cluster[1].GetGrain<IJobSourceGrain>(NewKey("src")).SetPartitionLimit("A", 3);
        await AssertRunningSettlesAtAsync(probe, "A", 3);

        await source.SetPartitionLimit("A", null);
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "A"));
        await AssertRunningSettlesAtAsync(probe, "A", Default);
        Assert.Equal(Default, Running(probe, "B"));

        JobProbe.Gate(probe).TrySetResult();
        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Count(e => e.StartsWith("end:", StringComparison.Ordinal)) == 20),
            Patience));
    }

    [Fact]
    public async Task Under_churn_a_limited_partition_never_has_more_handlers_running_than_its_limit_across_silos()
    {
        await using var cluster = await StartTwoSilosAsync();
        var source = cluster[0].GetGrain<IJobSourceGrain>(NewKey("src"));
        var probe = NewKey("p");
        await source.SetPartitionLimit("A", 2);
        await source.ScheduleMany("slow", probe + ":60", "A", 20);
        await source.ScheduleMany("slow", probe + ":60", "B", 20);

        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Count(e => e.StartsWith("end:", StringComparison.Ordinal)) == 40),
            Patience));
        var max = MaxConcurrent(JobProbe.Entries(probe));
        Assert.InRange(max["A"], 1, 2);
        Assert.InRange(max["B"], 1, Default);
    }

    [Fact]
    public async Task A_limit_is_a_row_written_by_the_turn_and_null_removes_it()
    {
        await using var cluster = await StartClusterAsync(1);
        var source = cluster[0].GetGrain<IJobSourceGrain>(NewKey("src"));
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "proj"));
        await source.SetPartitionLimit("proj", 5);
        Assert.Equal(5, await StoreProbe.PartitionLimitAsync(cluster, "proj"));
        await source.SetPartitionLimit("proj", 7);
        Assert.Equal(7, await StoreProbe.PartitionLimitAsync(cluster, "proj"));
        await source.SetPartitionLimit("proj", null);
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "proj"));
        await source.SetPartitionLimit("proj", null);                 // removing an absent limit is fine
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "proj"));
    }

    [Fact]
    public async Task A_turn_that_throws_leaves_no_limit_row_and_does_not_change_an_existing_one()
    {
        await using var cluster = await StartClusterAsync(1);
        var source = cluster[0].GetGrain<IJobSourceGrain>(NewKey("src"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => source.SetPartitionLimitThenThrow("new", 1));
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "new"));

        await source.SetPartitionLimit("kept", 3);
        await Assert.ThrowsAsync<InvalidOperationException>(() => source.SetPartitionLimitThenThrow("kept", 1));
        Assert.Equal(3, await StoreProbe.PartitionLimitAsync(cluster, "kept"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => source.SetPartitionLimitThenThrow("kept", null));
        Assert.Equal(3, await StoreProbe.PartitionLimitAsync(cluster, "kept"));

        // A nested call that throws takes its change with it, even though the calling turn commits.
        await source.SetPartitionLimitInFailingNestedCall(NewKey("other"), "nested", 2);
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "nested"));
    }

    [Fact]
    public async Task An_invalid_limit_is_refused_before_anything_is_written()
    {
        await using var cluster = await StartClusterAsync(1);
        var source = cluster[0].GetGrain<IJobSourceGrain>(NewKey("src"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => source.SetPartitionLimit("p", 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => source.SetPartitionLimit("p", -3));
        await Assert.ThrowsAsync<ArgumentException>(() => source.SetPartitionLimit("", 2));
        Assert.Null(await StoreProbe.PartitionLimitAsync(cluster, "p"));
    }

    /// <summary>Waits until exactly <paramref name="expected"/> handlers of the partition run, then checks that no
    /// later claim (of either silo) starts another.</summary>
    private static async Task AssertRunningSettlesAtAsync(string probe, string partition, int expected)
    {
        Assert.True(await EventuallyAsync(() => Task.FromResult(Running(probe, partition) >= expected), Patience),
            $"{partition}: {Running(probe, partition)} running, expected {expected}");
        await Task.Delay(Hold);
        Assert.Equal(expected, Running(probe, partition));
    }

    /// <summary>Handlers of the partition that started and have not ended (gated jobs end only when the gate opens).</summary>
    private static int Running(string probe, string partition)
    {
        var entries = JobProbe.Entries(probe);
        return entries.Count(e => e.StartsWith($"start:{partition}:", StringComparison.Ordinal))
            - entries.Count(e => e.StartsWith($"end:{partition}:", StringComparison.Ordinal) || e.StartsWith($"cancelled:{partition}:", StringComparison.Ordinal));
    }

    /// <summary>The most handlers of each partition that ran at once, replaying the start/end log in order.</summary>
    private static Dictionary<string, int> MaxConcurrent(IReadOnlyList<string> entries)
    {
        var running = new Dictionary<string, int>();
        var max = new Dictionary<string, int>();
        foreach (var parts in entries.Select(e => e.Split(':')))
        {
            if (parts[0] is "start" or "end" or "cancelled")
            {
                var now = running.GetValueOrDefault(parts[1]) + (parts[0] == "start" ? 1 : -1);
                running[parts[1]] = now;
                max[parts[1]] = Math.Max(max.GetValueOrDefault(parts[1]), now);
            }
        }

        return max;
    }
}

public sealed class PostgresPartitionLimitConformanceTests : PartitionLimitConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqlitePartitionLimitConformanceTests : PartitionLimitConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
