using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Jobs: outcome exactly once, retries and dead-letter, cancellation, crash recovery from checkpoint,
/// graceful hand-back, fairness and per-partition limits.</summary>
public abstract class JobConformanceTests : ConformanceTestBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_job_runs_and_its_outcome_reaches_the_grain_exactly_once()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey();
        var grain = cluster[0].GetGrain<ICounterGrain>(key);
        var probes = Enumerable.Range(0, 30).Select(_ => NewKey("p")).ToArray();
        var ids = new List<Guid>();
        foreach (var probe in probes)
        {
            ids.Add(await grain.StartJob("echo", probe, null, 3));
        }

        Assert.True(await EventuallyAsync(async () => (await grain.GetState()).Outcomes.Count >= probes.Length, Patience));
        await Task.Delay(500);   // any duplicate delivery would show up now
        var outcomes = (await grain.GetState()).Outcomes;
        Assert.Equal(probes.Length, outcomes.Count);
        for (var i = 0; i < probes.Length; i++)
        {
            Assert.Single(outcomes, o => o == $"{ids[i]}:ok:{probes[i]}");
            var job = await StoreProbe.Store(cluster[0]).GetJobAsync(ids[i], CancellationToken.None);
            Assert.Equal(JobStatus.Done, job!.Status);
        }
    }

    [Fact]
    public async Task An_outcome_the_grain_refuses_is_retried_without_rerunning_the_job_or_holding_up_the_others()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        var poison = "poison-once-" + Guid.NewGuid().ToString("N");
        var probes = Enumerable.Range(0, 12).Select(i => i == 5 ? poison : NewKey("p")).ToArray();
        var ids = new List<Guid>();
        foreach (var probe in probes)
        {
            ids.Add(await grain.StartJob("echo", probe, null, 3));
        }

        Assert.True(await EventuallyAsync(async () => (await grain.GetState()).Outcomes.Count >= probes.Length, Patience));
        await Task.Delay(500);
        var outcomes = (await grain.GetState()).Outcomes;
        Assert.Equal(probes.Length, outcomes.Count);
        for (var i = 0; i < probes.Length; i++)
        {
            Assert.Single(outcomes, o => o == $"{ids[i]}:ok:{probes[i]}");
        }

        Assert.Equal(2, ReminderProbe.Failures[poison]);                 // refused once, accepted once
        Assert.Single(JobProbe.Entries(poison));                          // the handler ran once
    }

    [Fact]
    public async Task Outcomes_of_many_grains_finishing_together_reach_each_grain_exactly_once_even_when_one_grain_refuses()
    {
        // Outcomes that finish together are delivered in one turn over several grains; a refusal by one grain must
        // neither lose nor duplicate the others' outcomes (the turn falls back to one turn per grain).
        await using var cluster = await StartClusterAsync(2, o => o.ConfigureOptions = r => r.MaxConcurrentJobs = 64);
        var keys = Enumerable.Range(0, 30).Select(_ => NewKey()).ToArray();
        var poison = "poison-once-" + Guid.NewGuid().ToString("N");
        var expected = new Dictionary<string, List<string>>();
        var probes = new List<string>();
        for (var g = 0; g < keys.Length; g++)
        {
            var grain = cluster[g % 2].GetGrain<ICounterGrain>(keys[g]);

            // The row exists before any outcome: two silos' first writes of one grain would race, and the retried
            // turn would run OnJobCompletedAsync again, which the refusal counter below would see.
            await grain.Increment();
            expected[keys[g]] = [];
            for (var j = 0; j < 4; j++)
            {
                var probe = g == 7 && j == 2 ? poison : NewKey("p");
                probes.Add(probe);
                expected[keys[g]].Add($"{await grain.StartJob("echo", probe, "part-" + (g % 3), 3)}:ok:{probe}");
            }
        }

        foreach (var key in keys)
        {
            var grain = cluster[0].GetGrain<ICounterGrain>(key);
            Assert.True(await EventuallyAsync(async () => (await grain.GetState()).Outcomes.Count >= 4, Patience), key);
        }

        await Task.Delay(500);   // any duplicate delivery would show up now
        foreach (var key in keys)
        {
            Assert.Equal(expected[key].Order(), (await cluster[1].GetGrain<ICounterGrain>(key).GetState()).Outcomes.Order());
        }

        Assert.Equal(2, ReminderProbe.Failures[poison]);                 // refused once, accepted once
        Assert.All(probes, p => Assert.Single(JobProbe.Entries(p)));     // every handler ran once
    }

    [Fact]
    public async Task A_failing_job_is_retried_up_to_MaxAttempts_then_dead_lettered_with_one_failure_outcome()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        var probe = NewKey("p");
        var id = await grain.StartJob("fail", probe, null, 3);
        Assert.True(await EventuallyAsync(async () => (await grain.GetState()).Outcomes.Count == 1, Patience));
        Assert.Equal($"{id}:failed:3", (await grain.GetState()).Outcomes.Single());
        Assert.Equal(["attempt:1", "attempt:2", "attempt:3"], JobProbe.Entries(probe));
        var job = await StoreProbe.Store(cluster[0]).GetJobAsync(id, CancellationToken.None);
        Assert.Equal(JobStatus.Dead, job!.Status);
        Assert.Contains("handler fails on purpose", job.Error);
    }

    [Fact]
    public async Task Cancelling_a_running_job_cancels_its_handler_and_delivers_no_outcome()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        var probe = NewKey("p");
        var id = await grain.StartJob("slow", probe + ":-1", null, 3);
        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Any(e => e.StartsWith("start:"))), Patience));
        await grain.Cancel(id);
        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Any(e => e.StartsWith("cancelled:"))), Patience));
        await Task.Delay(500);
        Assert.Empty((await grain.GetState()).Outcomes);
        Assert.Equal(JobStatus.Cancelled, (await StoreProbe.Store(cluster[0]).GetJobAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_queued_job_cancelled_by_a_turn_never_runs()
    {
        await using var cluster = await StartClusterAsync(1, o => o.ConfigureOptions = r => r.Roles = [SiloRoles.Api]);   // no worker yet
        var key = NewKey();
        var grain = cluster[0].GetGrain<ICounterGrain>(key);
        var probe = NewKey("p");
        var id = await grain.StartJob("echo", probe, null, 3);
        Assert.Equal(JobStatus.Queued, (await StoreProbe.Store(cluster[0]).GetJobAsync(id, CancellationToken.None))!.Status);
        await grain.Cancel(id);
        var worker = await cluster.AddSiloAsync(o => o.Roles = [SiloRoles.Worker]);
        var other = NewKey("p");
        await grain.StartJob("echo", other, null, 3);
        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(other).Count == 1), Patience));   // the worker runs jobs
        Assert.Empty(JobProbe.Entries(probe));
        Assert.Equal(JobStatus.Cancelled, (await StoreProbe.Store(worker).GetJobAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_job_whose_silo_is_killed_resumes_on_another_silo_from_its_checkpoint_and_completes_once()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        var probe = NewKey("p");
        var id = await grain.StartJob("steps", $"{probe}:8:150", null, 5);
        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Contains("step:silo-0:3")), Patience));
        await cluster.KillSiloAsync(0);
        var survivor = await cluster.AddSiloAsync();

        var onSurvivor = survivor.GetGrain<ICounterGrain>(((Orleans.Media.Runtime.Core.GrainProxy)(object)grain).GrainId.Key);
        Assert.True(await EventuallyAsync(async () => (await onSurvivor.GetState()).Outcomes.Count >= 1, Patience));
        await Task.Delay(500);
        Assert.Equal($"{id}:ok:done:8", (await onSurvivor.GetState()).Outcomes.Single());

        var entries = JobProbe.Entries(probe);
        var resumed = entries.Single(e => e.StartsWith("start:silo-1:", StringComparison.Ordinal)).Split(':');
        Assert.Equal("2", resumed[2]);                                  // second attempt
        Assert.True(int.Parse(resumed[3]) >= 3, string.Join(", ", entries));   // from the checkpoint, not from 0
        Assert.DoesNotContain(entries, e => e.StartsWith("step:silo-1:1", StringComparison.Ordinal));
        Assert.Contains("step:silo-1:8", entries);
    }

    [Fact]
    public async Task A_graceful_stop_hands_a_running_job_back_with_its_checkpoint()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        var key = ((Orleans.Media.Runtime.Core.GrainProxy)(object)grain).GrainId.Key;
        var probe = NewKey("p");
        var id = await grain.StartJob("steps", $"{probe}:20:100", null, 5);
        var observer = await cluster.AddSiloAsync(o => o.Roles = [SiloRoles.Api]);   // runs no jobs
        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Contains("step:silo-0:2")), Patience));
        await cluster.StopSiloAsync(0);
        var job = await StoreProbe.Store(observer).GetJobAsync(id, CancellationToken.None);
        Assert.Equal(JobStatus.Queued, job!.Status);
        Assert.Null(job.LeaseOwner);
        Assert.Equal(0, job.Attempt);                     // a hand-back is not a failed attempt
        Assert.True(int.Parse(job.Checkpoint!) >= 2);

        var next = await cluster.AddSiloAsync();
        Assert.True(await EventuallyAsync(async () => (await next.GetGrain<ICounterGrain>(key).GetState()).Outcomes.Count == 1, Patience));
        var restart = JobProbe.Entries(probe).Single(e => e.StartsWith("start:silo-2:", StringComparison.Ordinal)).Split(':');
        Assert.Equal("1", restart[2]);
        Assert.True(int.Parse(restart[3]) >= 2);
    }

    [Fact]
    public async Task Claiming_is_fair_across_partitions_and_honours_the_partition_limit()
    {
        await using var cluster = await StartClusterAsync(1, o => o.ConfigureOptions = r =>
        {
            r.MaxConcurrentJobs = 4;
            r.MaxConcurrentPerPartition = 2;
        });
        var source = cluster[0].GetGrain<IJobSourceGrain>(NewKey("src"));
        var probe = NewKey("p");
        await source.ScheduleMany("slow", probe + ":1", "A", 2000);
        await source.ScheduleMany("slow", probe + ":1", "B", 10);

        Assert.True(await EventuallyAsync(() => Task.FromResult(JobProbe.Entries(probe).Count(e => e.StartsWith("start:B:")) == 10), Patience));
        var entries = JobProbe.Entries(probe);
        var lastBStart = entries.ToList().FindLastIndex(e => e.StartsWith("start:B:", StringComparison.Ordinal));
        var aDoneBefore = entries.Take(lastBStart).Count(e => e.StartsWith("end:A:", StringComparison.Ordinal));
        Assert.True(aDoneBefore < 1000, $"{aDoneBefore} of partition A's jobs finished before B's last job started");

        // Never more than 2 of one partition running at once.
        var running = new Dictionary<string, int> { ["A"] = 0, ["B"] = 0 };
        foreach (var e in entries)
        {
            var parts = e.Split(':');
            if (parts[0] is "start" or "end")
            {
                running[parts[1]] += parts[0] == "start" ? 1 : -1;
                Assert.InRange(running[parts[1]], 0, 2);
            }
        }
    }
}

public sealed class PostgresJobConformanceTests : JobConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteJobConformanceTests : JobConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
