using Npgsql;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>Keeps one LISTEN connection open and turns NOTIFYs into wake-ups; reconnects after errors (and pulses
/// both signals then, since notifications may have been missed).</summary>
internal sealed class PostgresNotificationListener(string connectionString, AsyncSignal events, AsyncSignal jobs)
{
    private readonly CancellationTokenSource _stop = new();

    public void Start() => _ = Task.Run(() => RunAsync(_stop.Token));

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

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(connectionString);
                conn.Notification += (_, e) => (e.Channel == "om_jobs" ? jobs : events).Pulse();
                await conn.OpenAsync(stop).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand("LISTEN om_events; LISTEN om_jobs", conn))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                events.Pulse();
                jobs.Pulse();
                while (!stop.IsCancellationRequested)
                {
                    await conn.WaitAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Store unreachable: readers fall back to polling; retry shortly.
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
