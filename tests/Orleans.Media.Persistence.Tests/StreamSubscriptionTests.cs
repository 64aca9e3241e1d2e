using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests;

/// <summary>Orleans streams keep their subscriptions in the "PubSubStore" provider UseMediaPersistence configures.</summary>
public sealed class StreamSubscriptionTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task A_subscription_is_stored_and_receives_events(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc", configure: s => s.AddMemoryStreams("mem"));
        var key = Guid.NewGuid().ToString("N");
        await silo.Grains.GetGrain<IListenerGrain>(key).Subscribe("mem", key);

        // The listener has no state of its own: the row is the stream's subscription.
        Assert.Equal(1, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_storage"));

        var stream = silo.Host.Services.GetRequiredService<IClusterClient>().GetStreamProvider("mem").GetStream<int>(StreamId.Create("test", key));
        await stream.OnNextAsync(2);
        await stream.OnNextAsync(3);
        await Eventually.WaitAsync(() => ListenerGrain.Received.TryGetValue(key, out var n) && n == 5, "both events");
    }
}
