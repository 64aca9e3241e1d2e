using Microsoft.Extensions.Logging;
using Orleans.Media.Persistence.Schema;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Hosting;

/// <summary>
/// Migrates the schema at the silo's first lifecycle stage: every ADO.NET provider (membership, storage, reminders)
/// reads its queries later, so none ever sees a database without them. A database that is not reachable yet (a
/// container started before PostgreSQL) is retried with backoff for a bounded time; any other failure stops the
/// silo's start at once.
/// </summary>
internal sealed partial class SchemaMigrationParticipant(MediaDatabase database, TimeProvider time, ILogger<SchemaMigrationParticipant> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    internal static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(1);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaMigrationParticipant), ServiceLifecycleStage.First, MigrateAsync);

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await MediaSchema.MigrateAsync(database, logger, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (StoreUnavailability.Is(e) && time.GetElapsedTime(started) < GiveUpAfter && !cancellationToken.IsCancellationRequested)
            {
                LogUnreachable(logger, e, database.ToString(), delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Database} is not reachable for the schema migration; retrying in {DelaySeconds} s")]
    private static partial void LogUnreachable(ILogger logger, Exception exception, string database, double delaySeconds);
}
