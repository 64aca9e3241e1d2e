using System.Collections.Concurrent;
using Orleans.Streams;

namespace Orleans.Media.Persistence.Tests.Grains;

public interface IListenerGrain : IGrainWithStringKey
{
    Task Subscribe(string provider, string streamKey);
}

/// <summary>An explicit subscription: Orleans keeps it in the "PubSubStore" grain storage.</summary>
public sealed class ListenerGrain : Grain, IListenerGrain
{
    public static readonly ConcurrentDictionary<string, int> Received = new();

    public async Task Subscribe(string provider, string streamKey)
    {
        var stream = this.GetStreamProvider(provider).GetStream<int>(StreamId.Create("test", streamKey));
        await stream.SubscribeAsync((item, _) =>
        {
            Received.AddOrUpdate(streamKey, item, (_, n) => n + item);
            return Task.CompletedTask;
        });
    }
}
