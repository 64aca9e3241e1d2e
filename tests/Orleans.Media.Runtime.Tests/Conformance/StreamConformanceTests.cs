using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Streams: events commit with their turn, global increasing positions, filters, cursors, wake-ups.</summary>
public abstract class StreamConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task Events_from_concurrent_turns_on_several_silos_are_read_once_each_in_position_order()
    {
        await using var cluster = await StartClusterAsync(3);
        var group = NewKey("g");
        var keys = Enumerable.Range(0, 10).Select(i => NewKey("s")).ToArray();
        var reader = cluster[0].Services.GetRequiredService<IStreamReader>();
        var start = await reader.GetLastPositionAsync();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => cluster[i % 3].GetGrain<ICounterGrain>(keys[i % 10]).Publish("tick", i, group)));

        // Page through the group stream 7 at a time.
        var seen = new List<StreamEvent>();
        var after = start;
        while (true)
        {
            var page = await reader.ReadAsync(after, new StreamFilter("group", group), 7);
            if (page.Count == 0)
            {
                break;
            }

            seen.AddRange(page);
            after = page[^1].Position;
        }

        Assert.Equal(200, seen.Count);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.Position < p.Second.Position));
        Assert.Equal(Enumerable.Range(0, 200), seen.Select(e => e.GetPayload<CounterEvent>().Value).Order());
        Assert.All(seen, e => Assert.Equal(new StreamId("group", group), e.Stream));

        // The per-grain stream of one key holds its 20 events; a namespace filter sees both streams' events.
        var one = await reader.ReadAsync(start, StreamFilter.For(new StreamId("counter", keys[3])), 1000);
        Assert.Equal(20, one.Count);
        Assert.All(one, e => Assert.Equal(new GrainId("counter", keys[3]), e.Source));
        var all = await reader.ReadAsync(start, StreamFilter.All, 1000);
        Assert.Equal(400, all.Count(e => keys.Contains(e.GetPayload<CounterEvent>().Key)));
    }

    [Fact]
    public async Task WaitAsync_wakes_when_an_event_commits()
    {
        await using var cluster = await StartClusterAsync(2);
        var reader = cluster[1].Services.GetRequiredService<IStreamReader>();
        var last = await reader.GetLastPositionAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var wait = reader.WaitAsync(last, cts.Token);
        await Task.Delay(200);
        Assert.False(wait.IsCompleted);
        await cluster[0].GetGrain<ICounterGrain>(NewKey()).Publish("x", 1, null);
        await wait;
        Assert.Single(await reader.ReadAsync(last, StreamFilter.All, 10));
    }

    [Fact]
    public async Task Cursors_are_durable_per_consumer()
    {
        await using var cluster = await StartClusterAsync(1);
        var cursors = cluster[0].Services.GetRequiredService<IStreamCursorStore>();
        var consumer = NewKey("consumer");
        Assert.Equal(0, await cursors.GetAsync(consumer));
        await cursors.SaveAsync(consumer, 42);
        await cursors.SaveAsync(consumer + "-other", 7);
        var restarted = await cluster.AddSiloAsync();
        var again = restarted.Services.GetRequiredService<IStreamCursorStore>();
        Assert.Equal(42, await again.GetAsync(consumer));
        await again.SaveAsync(consumer, 43);
        Assert.Equal(43, await cursors.GetAsync(consumer));
    }
}

public sealed class PostgresStreamConformanceTests : StreamConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteStreamConformanceTests : StreamConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
