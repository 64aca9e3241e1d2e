using Microsoft.Extensions.Options;

namespace Orleans.Media.Grains.Work;

/// <summary>
/// This silo's cap on CPU-heavy work: each running extraction holds one slot while it decodes. Slots are handed out
/// in arrival order, so the tasks of a project with a long queue take turns with other projects' tasks.
/// </summary>
public sealed class ExtractionCapacity(IOptions<WorkOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentExtractions, options.Value.MaxConcurrentExtractions);

    public int Available => _slots.CurrentCount;

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
