using System.Threading.Channels;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>A request waiting in a <see cref="PostgresMicroBatcher{TItem}"/>.</summary>
internal interface IBatchItem
{
    /// <summary>Ends the caller's wait with <paramref name="error"/> (its batch failed or the store stopped).</summary>
    void Fail(Exception error);
}

/// <summary>
/// Micro-batching: every request queued while the previous batch was in flight goes into the next one, so a busy
/// silo sends one statement for many callers and an idle one answers a lone caller at once. <c>loops</c> batches
/// may be in flight together. A batch that throws fails all its callers; the loop goes on.
/// </summary>
internal abstract class PostgresMicroBatcher<TItem>(int maxBatch, int loops)
    where TItem : IBatchItem
{
    private readonly Channel<TItem> _queue = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = loops == 1 });
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled when the store stops.</summary>
    protected CancellationToken Stopping => _stop.Token;

    public void Start()
    {
        for (var i = 0; i < loops; i++)
        {
            _ = Task.Run(LoopAsync);
        }
    }

    public void Stop()
    {
        _queue.Writer.TryComplete();
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        while (_queue.Reader.TryRead(out var item))
        {
            item.Fail(Stopped());
        }
    }

    protected void Enqueue(TItem item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            throw Stopped();
        }
    }

    /// <summary>Sends one batch and completes each of its items.</summary>
    protected abstract Task FlushAsync(List<TItem> batch);

    private static ObjectDisposedException Stopped() => new(nameof(PostgresStore), "The store was stopped.");

    private async Task LoopAsync()
    {
        var batch = new List<TItem>(maxBatch);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    return;
                }

                batch.Clear();
                while (batch.Count < maxBatch && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                if (batch.Count > 0)
                {
                    await FlushAsync(batch).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                Fail(batch, Stopped());
                return;
            }
            catch (Exception ex)
            {
                Fail(batch, ex);
            }
        }
    }

    private static void Fail(List<TItem> batch, Exception ex)
    {
        foreach (var item in batch)
        {
            item.Fail(ex);
        }

        batch.Clear();
    }
}
