using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

internal sealed class StreamCursorStore(IRuntimeStore store) : IStreamCursorStore
{
    public Task<long> GetAsync(string consumer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        return store.GetCursorAsync(consumer, cancellationToken);
    }

    public Task SaveAsync(string consumer, long position, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return store.SaveCursorAsync(consumer, position, cancellationToken);
    }
}
