using Microsoft.Extensions.Logging;
using Orleans.Media.Persistence.Schema;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Hosting;

/// <summary>Migrates the schema at the silo's first lifecycle stage: every ADO.NET provider (membership,
/// storage, reminders) reads its queries later, so none ever sees a database without them.</summary>
internal sealed class SchemaMigrationParticipant(MediaDatabase database, ILogger<SchemaMigrationParticipant> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaMigrationParticipant), ServiceLifecycleStage.First,
            ct => MediaSchema.MigrateAsync(database, logger, ct));
}
