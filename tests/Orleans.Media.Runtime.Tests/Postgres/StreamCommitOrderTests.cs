using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Media.Runtime.Stores.Postgres;
using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// Positions come from a sequence, so a publisher can draw a lower position and commit after one with a higher
/// position. A reader must never return the higher one first (its cursor would then skip the lower one).
/// </summary>
public sealed class StreamCommitOrderTests
{
    [Fact]
    public async Task A_reader_never_skips_an_event_that_commits_later_with_a_lower_position()
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions { InitialSilos = 1, ConfigureRuntime = TestGrains.Register });
        var reader = cluster[0].Services.GetRequiredService<IStreamReader>();
        var start = await reader.GetLastPositionAsync();

        // A slow publisher, exactly as a turn publishes: shared events lock, insert (draws position p1), no commit yet.
        await using var slow = new NpgsqlConnection(cluster.PostgresConnectionString);
        await slow.OpenAsync();
        await using var tx = await slow.BeginTransactionAsync();
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock_shared({PostgresSql.EventsLockKey})", slow, tx))
        {
            await lockCmd.ExecuteNonQueryAsync();
        }

        long slowPosition;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO events (stream_ns, stream_key, type, payload) VALUES ('order', 'x', 'slow', '{}') RETURNING position", slow, tx))
        {
            slowPosition = (long)(await insert.ExecuteScalarAsync())!;
        }

        // A fast turn publishes and commits with a higher position.
        await cluster[0].GetGrain<ICounterGrain>("order-" + Guid.NewGuid().ToString("N")).Publish("fast", 1, null);

        var read = reader.ReadAsync(start, StreamFilter.All, 100);
        await Task.Delay(700);
        Assert.False(read.IsCompleted, "the reader returned while an earlier position was still uncommitted");

        await tx.CommitAsync();
        var events = await read;
        Assert.Equal(2, events.Count);
        Assert.Equal(slowPosition, events[0].Position);
        Assert.Equal("slow", events[0].Type);
        Assert.Equal("fast", events[1].Type);
        Assert.True(events[1].Position > slowPosition);
    }
}
