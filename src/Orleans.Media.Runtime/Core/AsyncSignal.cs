namespace Orleans.Media.Runtime.Core;

/// <summary>A wake-up: waiters take <see cref="Current"/> BEFORE checking the store, so a pulse in between is not lost.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Current => Volatile.Read(ref _tcs).Task;

    public void Pulse() => Interlocked.Exchange(ref _tcs, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
