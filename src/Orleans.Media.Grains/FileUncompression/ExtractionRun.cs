using System.Text.Json;
using Orleans.Media.Persistence;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// The extraction an activation owns, running off the grain scheduler. The grain's timer reads its latest
/// checkpoint and progress (saving them into the grain's state) and its outcome when it completes; cancelling it
/// stops the engine at the next entry boundary or read.
/// </summary>
internal sealed class ExtractionRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private object? _savedCheckpoint;

    private ExtractionRun(Func<ExtractionReporter, CancellationToken, Task<FileUncompressionResult>> body)
    {
        // Task.Run: the engine's blocking and CPU-heavy work never runs on the activation's scheduler.
        Completion = Task.Run(() => body(Reporter, _cancel.Token));
    }

    public ExtractionReporter Reporter { get; } = new();

    /// <summary>The result; faults with the transient failure that stopped the attempt.</summary>
    public Task<FileUncompressionResult> Completion { get; }

    public bool IsCancelled => _cancel.IsCancellationRequested;

    public static ExtractionRun Start(Func<ExtractionReporter, CancellationToken, Task<FileUncompressionResult>> body) => new(body);

    /// <summary>The checkpoint to save, as JSON, when it changed since the last call that was confirmed by <see cref="Saved"/>.</summary>
    public (string? Json, object? Marker) PendingCheckpoint()
    {
        var checkpoint = Reporter.Checkpoint;
        return checkpoint is null || ReferenceEquals(checkpoint, _savedCheckpoint)
            ? (null, null)
            : (JsonSerializer.Serialize(checkpoint, MediaJson.Options), checkpoint);
    }

    public void Saved(object? marker)
    {
        if (marker is not null)
        {
            _savedCheckpoint = marker;
        }
    }

    public void Cancel() => _cancel.Cancel();

    /// <summary>Cancels and waits (at most <paramref name="timeout"/>) for the engine to stop.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        _cancel.Cancel();
        try
        {
            await Completion.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancelled, failed or still stopping: the caller only needs it to have stopped writing checkpoints.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        _cancel.Dispose();
    }
}
