using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.Media.Persistence.Nonces;

/// <summary>Deletes expired nonces every few minutes (each silo; the deletes are idempotent). A failure is logged
/// and retried at the next round: expired rows only cost space, never correctness.</summary>
internal sealed partial class NoncePurgeService(NonceRegistry registry, TimeProvider time, ILogger<NoncePurgeService> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var purged = await registry.PurgeExpiredAsync(stoppingToken).ConfigureAwait(false);
                LogPurged(logger, purged);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPurgeFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Purged {Count} expired nonces")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging expired nonces failed; retried at the next round")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
