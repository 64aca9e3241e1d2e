using Npgsql;
using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// A [CreatesGrain] call on a new grain skips the lock step: it never looks its row up (no index scan of grains),
/// while the usual turn does one per grain. Read from PostgreSQL's own statistics, so the test sees what the server
/// did, not what the runtime believes it sent.
/// </summary>
public sealed class CreatesGrainRoundTripTests
{
    [Fact]
    public async Task Creating_new_grains_looks_up_no_grain_row_while_the_usual_turn_does()
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions { InitialSilos = 1, ConfigureRuntime = TestGrains.Register });
        var prefix = "rt-" + Guid.NewGuid().ToString("N")[..8] + "-";
        const int Calls = 20;
        var before = await SettledIndexScansAsync(cluster);

        for (var i = 0; i < Calls; i++)
        {
            await cluster[0].GetGrain<IRegistrationGrain>(prefix + "new-" + i).Register(i);
        }

        var afterCreates = await SettledIndexScansAsync(cluster);
        for (var i = 0; i < Calls; i++)
        {
            await cluster[0].GetGrain<ICounterGrain>(prefix + "usual-" + i).Increment();
        }

        var afterUsual = await SettledIndexScansAsync(cluster);
        Assert.Equal(0, afterCreates - before);
        Assert.True(afterUsual - afterCreates >= Calls, $"the usual turns scanned grains {afterUsual - afterCreates} times for {Calls} calls");
    }

    /// <summary>idx_scan of the grains table once the silo's backends have flushed their statistics (they do when
    /// idle, at most once a second): polled until two reads a flush interval apart agree.</summary>
    private static async Task<long> SettledIndexScansAsync(TestCluster cluster)
    {
        await using var conn = new NpgsqlConnection(cluster.PostgresConnectionString);
        await conn.OpenAsync();
        var last = -1L;
        for (var i = 0; i < 20; i++)
        {
            await using var cmd = new NpgsqlCommand("SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'grains'", conn);
            var now = (long)(await cmd.ExecuteScalarAsync())!;
            if (now == last)
            {
                return now;
            }

            last = now;
            await Task.Delay(1200);
        }

        throw new TimeoutException("The grains table's statistics did not settle.");
    }
}
