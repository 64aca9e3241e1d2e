using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// A nested [ReadOnly] call does not lock the grain it reads: while one turn that read grain B is still open,
/// another silo's turn writes B at once. (With a row lock the write would wait for the first turn's commit.)
/// On SQLite every write waits for the single writer anyway, so this is a PostgreSQL property.
/// </summary>
public sealed class NestedReadTests
{
    [Fact]
    public async Task A_turn_that_read_a_grain_does_not_hold_it_against_writers()
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions { InitialSilos = 2, ConfigureRuntime = TestGrains.Register });
        var (a, b, gate) = ("a-" + Guid.NewGuid().ToString("N"), "b-" + Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        await cluster[1].GetGrain<ICounterGrain>(b).Increment();

        var holding = cluster[0].GetGrain<ICounterGrain>(a).ReadOtherThenHold(b, gate);
        await TurnGates.Reached(gate).WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            // a's transaction is open and has read b: writing b must not wait for it.
            Assert.Equal(2, await cluster[1].GetGrain<ICounterGrain>(b).Increment().WaitAsync(TimeSpan.FromSeconds(3)));
        }
        finally
        {
            TurnGates.Release(gate);
        }

        Assert.Equal(1, await holding);
        Assert.Equal(1, await cluster[1].GetGrain<ICounterGrain>(a).Get());
    }
}
