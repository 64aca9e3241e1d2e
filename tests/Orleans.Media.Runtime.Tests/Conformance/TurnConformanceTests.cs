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
}

public sealed class PostgresTurnConformanceTests : TurnConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteTurnConformanceTests : TurnConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
