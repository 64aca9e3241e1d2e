using Npgsql;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>
/// Sends wake-up NOTIFYs after commits, coalesced, outside the turns' transactions. A NOTIFY inside a transaction
/// takes a database-wide lock until commit, which would serialize every event- or job-producing commit behind one
/// fsync; here one small autocommit NOTIFY covers every commit made while the previous one was in flight.
/// A lost wake-up (crash between commit and notify) costs one poll interval, never data.
/// </summary>
internal sealed class PostgresNotifier(NpgsqlDataSource dataSource)
{
    private const int Events = 1;
    private const int Jobs = 2;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private int _pending;

    public void Start() => _ = Task.Run(LoopAsync);

    public void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void EventsAppended() => Request(Events);

    public void JobsScheduled() => Request(Jobs);

    private void Request(int channel)
    {
        if ((Interlocked.Or(ref _pending, channel) & channel) == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_stop.Token).ConfigureAwait(false);
                var pending = Interlocked.Exchange(ref _pending, 0);
                if (pending == 0)
                {
                    continue;
                }

                var sql = (pending & Events) != 0 && (pending & Jobs) != 0
                    ? "SELECT pg_notify('om_events', ''), pg_notify('om_jobs', '')"
                    : (pending & Events) != 0 ? "SELECT pg_notify('om_events', '')" : "SELECT pg_notify('om_jobs', '')";
                await using var cmd = dataSource.CreateCommand(sql);
                await cmd.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Store unreachable: listeners fall back to polling.
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }
}
