using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Runtime.Core;
using Orleans.Media.Runtime.Stores;
using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Turns: persistence, serialization across silos, stale writes, rollback, nested calls, [ReadOnly].</summary>
public abstract class TurnConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task State_persists_across_silos_and_restarts()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey();
        Assert.Equal(1, await cluster[0].GetGrain<ICounterGrain>(key).Increment());
        Assert.Equal(2, await cluster[1].GetGrain<ICounterGrain>(key).Increment());
        Assert.Equal(3, await cluster[0].GetGrain<ICounterGrain>(key).Increment());
        await cluster.StopSiloAsync(0);
        var fresh = await cluster.AddSiloAsync();
        Assert.Equal(3, await fresh.GetGrain<ICounterGrain>(key).Get());
    }

    [Fact]
    public async Task Three_silos_3000_concurrent_increments_of_one_grain_count_exactly_3000()
    {
        await using var cluster = await StartClusterAsync(3);
        var key = NewKey();
        var calls = Enumerable.Range(0, 3000).Select(i => cluster[i % 3].GetGrain<ICounterGrain>(key).Increment());
        var results = await Task.WhenAll(calls);
        Assert.Equal(3000, await cluster[0].GetGrain<ICounterGrain>(key).Get());

        // Each turn saw its own predecessor: the returned values are exactly 1..3000.
        Assert.Equal(Enumerable.Range(1, 3000), results.Order());
    }

    [Fact]
    public async Task Three_silos_3000_concurrent_increments_over_1000_grains_are_all_counted()
    {
        await using var cluster = await StartClusterAsync(3);
        var prefix = NewKey("many");
        var calls = Enumerable.Range(0, 3000).Select(i => cluster[i % 3].GetGrain<ICounterGrain>($"{prefix}-{i % 1000}").Increment());
        await Task.WhenAll(calls);
        var counts = await Task.WhenAll(Enumerable.Range(0, 1000).Select(g => cluster[g % 3].GetGrain<ICounterGrain>($"{prefix}-{g}").Get()));
        Assert.All(counts, c => Assert.Equal(3, c));
        Assert.Equal(3000, counts.Sum());
    }

    [Fact]
    public async Task A_stale_write_is_refused_and_the_newer_state_stays()
    {
        await using var cluster = await StartClusterAsync(1);
        var key = NewKey();
        var grain = cluster[0].GetGrain<ICounterGrain>(key);
        await grain.Increment();
        await grain.Increment();
        var id = new GrainId("counter", key);
        var store = StoreProbe.Store(cluster[0]);

        // An activation that read version 1 tries to write over version 2.
        await using (var tx = await store.BeginTurnAsync(CancellationToken.None))
        {
            var (_, record) = await tx.LockGrainAsync(id, -1, null, CancellationToken.None);
            Assert.Equal(2, record!.Version);
            var refused = await Assert.ThrowsAsync<InconsistentStateException>(() =>
                tx.CommitAsync([new GrainWrite(id, 1, null, "{\"Count\":99}")], new TurnEffects(), CancellationToken.None));
            Assert.Equal(id, refused.GrainId);
        }

        // A first write (expected version 0) over an existing row is refused too.
        await using (var tx = await store.BeginTurnAsync(CancellationToken.None))
        {
            await Assert.ThrowsAsync<InconsistentStateException>(() =>
                tx.CommitAsync([new GrainWrite(id, 0, null, "{\"Count\":77}")], new TurnEffects(), CancellationToken.None));
        }

        Assert.Equal(2, await grain.Get());
        Assert.Equal(3, await grain.Increment());
    }

    [Fact]
    public async Task A_cached_activation_on_one_silo_never_writes_over_a_newer_version_from_another()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey();
        var onSilo0 = cluster[0].GetGrain<ICounterGrain>(key);
        var onSilo1 = cluster[1].GetGrain<ICounterGrain>(key);
        Assert.Equal(1, await onSilo0.Increment());       // silo 0 caches the activation at version 1
        for (var i = 0; i < 5; i++)
        {
            await onSilo1.Increment();                    // the store moves to version 6
        }

        Assert.Equal(7, await onSilo0.Increment());       // silo 0 reloads instead of writing Count=2
        Assert.Equal(7, await onSilo1.Get());
    }

    [Fact]
    public async Task A_turn_that_throws_leaves_no_state_job_reminder_or_event()
    {
        await using var cluster = await StartClusterAsync(1);
        var key = NewKey();
        var probe = NewKey("probe");
        var grain = cluster[0].GetGrain<ICounterGrain>(key);
        await grain.Increment();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.IncrementThenThrow(probe));
        Assert.Equal("boom " + probe, error.Message);                 // the grain's exception, unchanged
        Assert.Equal(1, await grain.Get());
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "jobs", key));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "reminders", key));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "events", key));
        Assert.Equal(1, (await StoreProbe.CountAsync(cluster, "grains", key)));

        // The grain keeps working after the failed turn.
        Assert.Equal(2, await grain.Increment());
    }

    [Fact]
    public async Task A_throwing_first_turn_creates_no_row()
    {
        await using var cluster = await StartClusterAsync(1);
        var key = NewKey();
        await Assert.ThrowsAsync<InvalidOperationException>(() => cluster[0].GetGrain<ICounterGrain>(key).IncrementThenThrow(NewKey("p")));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "grains", key));
    }

    [Fact]
    public async Task Nested_calls_join_the_turn_and_reentrant_calls_reuse_the_activation()
    {
        await using var cluster = await StartClusterAsync(1);
        var (a, b) = (NewKey("a"), NewKey("b"));
        var grainA = cluster[0].GetGrain<ICounterGrain>(a);
        Assert.Equal(2, await grainA.IncrementBoth(b));
        Assert.Equal(1, await cluster[0].GetGrain<ICounterGrain>(b).Get());

        // a -> b -> a: the callback runs on a's activation in the same turn (a = 2 after it, b = 2).
        Assert.Equal(2, await grainA.CallBack(b));
        Assert.Equal(2, await grainA.Get());
        Assert.Equal(2, await cluster[0].GetGrain<ICounterGrain>(b).Get());
    }

    [Fact]
    public async Task A_nested_ReadOnly_call_sees_committed_state_or_this_turns_changes()
    {
        await using var cluster = await StartClusterAsync(2);
        var (a, b) = (NewKey("a"), NewKey("b"));
        await cluster[1].GetGrain<ICounterGrain>(b).Increment();
        Assert.Equal(1, await cluster[0].GetGrain<ICounterGrain>(a).IncrementAndRead(b));   // committed by another silo
        Assert.Equal(2, await cluster[0].GetGrain<ICounterGrain>(a).IncrementOtherThenRead(b)); // b entered in this turn
        Assert.Equal(2, await cluster[1].GetGrain<ICounterGrain>(b).Get());
        Assert.Equal(1, await cluster[1].GetGrain<ICounterGrain>(a).Get());
    }

    [Fact]
    public async Task A_failed_nested_call_discards_the_callees_changes_even_when_the_caller_catches()
    {
        await using var cluster = await StartClusterAsync(1);
        var (a, b) = (NewKey("a"), NewKey("b"));
        Assert.Equal(1, await cluster[0].GetGrain<ICounterGrain>(a).IncrementAndSwallowNestedFailure(b, NewKey("p")));
        Assert.Equal(1, await cluster[0].GetGrain<ICounterGrain>(a).Get());
        Assert.Equal(0, await cluster[0].GetGrain<ICounterGrain>(b).Get());
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "jobs", b));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "events", b));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "reminders", b));
    }

    [Fact]
    public async Task Concurrent_crossing_nested_calls_are_all_applied()
    {
        await using var cluster = await StartClusterAsync(2);
        var (a, b) = (NewKey("a"), NewKey("b"));
        const int Pairs = 8;
        var calls = Enumerable.Range(0, Pairs).SelectMany(i => new[]
        {
            cluster[i % 2].GetGrain<ICounterGrain>(a).IncrementBoth(b),        // locks a then b
            cluster[(i + 1) % 2].GetGrain<ICounterGrain>(b).IncrementBoth(a),  // locks b then a: deadlocks are retried
        });
        await Task.WhenAll(calls);
        Assert.Equal(2 * Pairs, await cluster[0].GetGrain<ICounterGrain>(a).Get());
        Assert.Equal(2 * Pairs, await cluster[1].GetGrain<ICounterGrain>(b).Get());
    }

    [Fact]
    public async Task ReadOnly_calls_see_committed_state_and_refuse_changes()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey();
        var grain = cluster[0].GetGrain<ICounterGrain>(key);
        Assert.Equal(0, await grain.Get());
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "grains", key));   // a read creates nothing
        await grain.Increment();
        Assert.Equal(1, await grain.Get());
        await cluster[1].GetGrain<ICounterGrain>(key).Increment();
        Assert.Equal(2, await grain.Get());                                     // the read snapshot refreshes

        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.GetAndMutate());
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.GetAndSchedule());
        Assert.Equal(2, await grain.Get());
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "jobs", key));
    }

    [Fact]
    public async Task ClearState_resets_the_grain_on_every_silo_keeps_the_version_moving_and_refuses_stale_writers()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey();
        var partition = NewKey("p");
        var onSilo0 = cluster[0].GetGrain<ICounterGrain>(key);
        var onSilo1 = cluster[1].GetGrain<ICounterGrain>(key);
        await onSilo0.Set("tag", 7, DateTimeOffset.UtcNow, partition);
        await onSilo0.Increment();
        Assert.Equal(1, await onSilo1.Get());                   // silo 1 caches the activation at version 2
        var id = new GrainId("counter", key);
        var store = StoreProbe.Store(cluster[0]);

        Assert.Equal(0, await onSilo0.Clear(thenIncrement: false));
        var fresh = await onSilo1.GetState();                    // a fresh grain, also where it was cached
        Assert.Equal((0, null, 0, null), (fresh.Count, fresh.Tag, fresh.Priority, fresh.Stamp));
        var q = cluster[1].Services.GetRequiredService<IGrainStateQuery>();
        Assert.Empty((await q.QueryAsync<CounterState>(new GrainStateQuery("counter") { Partition = partition })).Items);

        // The row moved on to version 3 (never back to 0): a writer that read version 2 is refused.
        await using (var tx = await store.BeginTurnAsync(CancellationToken.None))
        {
            var (_, record) = await tx.LockGrainAsync(id, -1, null, CancellationToken.None);
            Assert.Equal(3, record!.Version);
            Assert.Null(record.Partition);
            await Assert.ThrowsAsync<InconsistentStateException>(() =>
                tx.CommitAsync([new GrainWrite(id, 2, partition, "{\"Count\":99}")], new TurnEffects(), CancellationToken.None));
        }

        Assert.Equal(0, await onSilo1.Get());
        Assert.Equal(1, await onSilo1.Increment());               // life goes on from the fresh state
        Assert.Equal(1, await onSilo0.Clear(thenIncrement: true)); // later assignments in the same turn win
        Assert.Equal(1, await onSilo1.Get());
    }

    [Fact]
    public async Task ClearState_rolls_back_with_its_turn_and_is_refused_in_a_ReadOnly_call()
    {
        await using var cluster = await StartClusterAsync(1);
        var grain = cluster[0].GetGrain<ICounterGrain>(NewKey());
        await grain.Increment();
        await grain.Increment();
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ClearThenThrow());
        Assert.Equal(2, await grain.Get());
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ClearInReadOnly());
        Assert.Equal(2, await grain.Get());
        Assert.Equal(3, await grain.Increment());
    }
}

public sealed class PostgresTurnConformanceTests : TurnConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteTurnConformanceTests : TurnConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
