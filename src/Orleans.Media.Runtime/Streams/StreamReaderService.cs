using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

internal sealed class StreamReaderService(IRuntimeStore store) : IStreamReader
{
    /// <summary>Fallback poll when no wake-up arrives (SQLite across processes, a lost LISTEN connection).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public Task<IReadOnlyList<StreamEvent>> ReadAsync(long afterPosition, StreamFilter filter, int max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Key is not null && filter.Namespace is null)
        {
            throw new ArgumentException("A stream key filter needs its namespace.", nameof(filter));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return store.ReadEventsAsync(afterPosition, filter, Math.Min(max, 10_000), cancellationToken);
    }

    public async Task WaitAsync(long afterPosition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = store.EventsAppended.Current;
            // A cheap hint (no events lock, so waiting SSE clients never hold up publishers); ReadAsync orders safely.
            if (await store.PeekLastEventPositionAsync(cancellationToken).ConfigureAwait(false) > afterPosition)
            {
                return;
            }

            await Task.WhenAny(signal, Task.Delay(PollInterval, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public Task<long> GetLastPositionAsync(CancellationToken cancellationToken = default) => store.GetLastEventPositionAsync(cancellationToken);
}
