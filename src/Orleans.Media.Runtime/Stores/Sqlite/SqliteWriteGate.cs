namespace Orleans.Media.Runtime.Stores.Sqlite;

/// <summary>
/// The single-writer gate with two lanes: control writes (heartbeats, lease renewals) go before queued turns, so a
/// busy embedded silo never fences itself because its heartbeat waited behind thousands of turns.
/// </summary>
internal sealed class SqliteWriteGate
{
    private readonly Queue<TaskCompletionSource> _control = new();
    private readonly Queue<TaskCompletionSource> _normal = new();
    private bool _held;

    public Task EnterAsync(bool control, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_normal)
        {
            if (!_held)
            {
                _held = true;
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (control ? _control : _normal).Enqueue(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // A cancelled waiter stays queued; Release skips it (TrySetResult fails on a cancelled task).
            var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
            _ = waiter.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return waiter.Task;
    }

    public void Release()
    {
        lock (_normal)
        {
            while (_control.TryDequeue(out var next) || _normal.TryDequeue(out next))
            {
                if (next.TrySetResult())
                {
                    return;
                }
            }

            _held = false;
        }
    }
}
