using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Reminders: periodic ticks as turns, unregistering, failed ticks retried, survival of a killed silo.</summary>
public abstract class ReminderConformanceTests : ConformanceTestBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_reminder_ticks_periodically_until_unregistered()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        await grain.RegisterReminder("tick", 0, 1000);
        Assert.True(await EventuallyAsync(async () => (await grain.GetState()).Ticks.Count >= 2, Patience));
        await grain.Unregister("tick");
        var after = (await grain.GetState()).Ticks.Count;
        await Task.Delay(1800);
        Assert.Equal(after, (await grain.GetState()).Ticks.Count);
        Assert.All((await grain.GetState()).Ticks, t => Assert.Equal("tick@silo-0", t));
    }

    [Fact]
    public async Task A_period_below_one_second_is_refused()
    {
        await using var cluster = await StartClusterAsync(1);
        var key = NewKey();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster[0].GetGrain<ICounterGrain>(key).RegisterReminder("fast", 0, 500));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "reminders", key));
    }

    [Fact]
    public async Task A_tick_that_throws_is_rolled_back_and_retried_and_the_reminder_kept()
    {
        await using var cluster = await StartClusterAsync(1);
        var key = NewKey();
        var grain = cluster[0].GetGrain<ICounterGrain>(key);
        await grain.RegisterReminder("fail-once", 0, 1000);
        Assert.True(await EventuallyAsync(async () => (await grain.GetState()).Ticks.Contains("fail-once@silo-0"), Patience));
        Assert.Equal(1, ReminderProbe.Failures[key + "/fail-once"]);
        Assert.DoesNotContain("fail-once:attempt", (await grain.GetState()).Ticks);   // the failed tick's change rolled back
        Assert.Equal(1, await StoreProbe.CountAsync(cluster, "reminders", key));
    }

    [Fact]
    public async Task A_reminder_of_a_killed_silo_fires_on_another_silo()
    {
        await using var cluster = await StartClusterAsync(1);
        var key = NewKey();
        await cluster[0].GetGrain<ICounterGrain>(key).RegisterReminder("survive", 0, 1000);
        Assert.True(await EventuallyAsync(async () => (await cluster[0].GetGrain<ICounterGrain>(key).GetState()).Ticks.Count >= 1, Patience));
        await cluster.KillSiloAsync(0);

        var other = await cluster.AddSiloAsync();
        Assert.True(await EventuallyAsync(
            async () => (await other.GetGrain<ICounterGrain>(key).GetState()).Ticks.Contains("survive@silo-1"), Patience));
    }
}

public sealed class PostgresReminderConformanceTests : ReminderConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteReminderConformanceTests : ReminderConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
