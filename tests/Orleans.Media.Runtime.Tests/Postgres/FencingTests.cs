using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// A silo cut off from the store (its TCP proxy closes every connection) fences itself within its lease: it stops
/// claiming, cancels its handlers and refuses turns; another silo takes the job; when the store is back it resumes.
/// </summary>
public sealed class FencingTests
{
    [Fact]
    public async Task A_silo_that_loses_the_store_stops_within_its_lease_and_resumes_when_it_returns()
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 1,
            UseTcpProxy = true,
            ConfigureRuntime = TestGrains.Register,
        });
        var cut = cluster[0];
        var key = "fence-" + Guid.NewGuid().ToString("N");
        var probe = "probe-" + Guid.NewGuid().ToString("N");
        var grain = cut.GetGrain<ICounterGrain>(key);
        await grain.Increment();
        await grain.StartJob("slow", probe + ":-1", null, 5);
        Assert.True(await Eventually(() => JobProbe.Entries(probe).Any(e => e.StartsWith("start:", StringComparison.Ordinal) && e.Contains(":silo-0:"))));
        var healthy = await cluster.AddSiloAsync();

        var lostAt = DateTime.UtcNow;
        cut.Proxy!.Cut();
        Assert.True(await Eventually(() => cut.Membership.IsFenced, TimeSpan.FromSeconds(8)));
        var fencedAfter = DateTime.UtcNow - lostAt;
        Assert.True(fencedAfter < TimeSpan.FromSeconds(4.5), $"fenced after {fencedAfter}");   // lease 3 s (+ one watch period)
        Assert.False(cut.Membership.IsReady);
        Assert.True(await Eventually(() => JobProbe.Entries(probe).Any(e => e.StartsWith("cancelled:", StringComparison.Ordinal) && e.Contains(":silo-0:")), TimeSpan.FromSeconds(2)));
        Assert.False(cut.Membership.IsReady);
        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.Increment());

        // The job's lease expires and the healthy silo runs it; new jobs go to the healthy silo only.
        Assert.True(await Eventually(() => JobProbe.Entries(probe).Any(e => e.StartsWith("start:", StringComparison.Ordinal) && e.Contains(":silo-1:")), TimeSpan.FromSeconds(10)));
        var probe2 = "probe-" + Guid.NewGuid().ToString("N");
        await healthy.GetGrain<IJobSourceGrain>("src-" + key).ScheduleMany("slow", probe2 + ":50", "", 6);
        Assert.True(await Eventually(() => JobProbe.Entries(probe2).Count(e => e.StartsWith("end:", StringComparison.Ordinal)) == 6, TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(JobProbe.Entries(probe2), e => e.Contains(":silo-0:"));

        cut.Proxy.Restore();
        Assert.True(await Eventually(() => !cut.Membership.IsFenced && cut.Membership.IsReady, TimeSpan.FromSeconds(10)));
        Assert.Equal(2, await grain.Increment());
        JobProbe.Gate(probe).TrySetResult();

        // Claiming resumed on the recovered silo: with the healthy one stopped, it runs new jobs.
        await cluster.StopSiloAsync(healthy.Index);
        var probe3 = "probe-" + Guid.NewGuid().ToString("N");
        await cut.GetGrain<IJobSourceGrain>("src2-" + key).ScheduleMany("slow", probe3 + ":10", "", 2);
        Assert.True(await Eventually(() => JobProbe.Entries(probe3).Count(e => e.StartsWith("end:", StringComparison.Ordinal)) == 2, TimeSpan.FromSeconds(10)));
    }

    private static async Task<bool> Eventually(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(25);
        }

        return condition();
    }
}
