using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.Media.Persistence.Index;
using Orleans.Media.Persistence.Nonces;
using Orleans.Media.Persistence.Queries;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Media.Persistence.Hosting;

public static class MediaPersistenceExtensions
{
    /// <summary>The grain storage provider of the project's grains: <c>[PersistentState("name", MediaStorage)]</c>.</summary>
    public const string MediaStorage = "media";

    /// <summary>The provider Orleans streams keep their subscriptions in (Orleans looks it up by this name).</summary>
    public const string PubSubStorage = "PubSubStore";

    /// <summary>
    /// Orleans on the project's database: the schema is migrated at the silo's first lifecycle stage (before any
    /// provider reads it); grain storage <see cref="MediaStorage"/> and <see cref="PubSubStorage"/> (ADO.NET, Orleans'
    /// own binary serializer) and durable ADO.NET reminders on both kinds; on PostgreSQL also ADO.NET clustering.
    /// SQLite configures no clustering: the embedded silo adds localhost clustering itself.
    /// Also registers <see cref="AddMediaPersistence"/>'s services.
    /// </summary>
    public static ISiloBuilder UseMediaPersistence(this ISiloBuilder silo, MediaDatabase database)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(database);
        silo.Services.AddMediaPersistence(database);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaMigrationParticipant>();

        if (database.Kind == DatabaseKind.Postgres)
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = database.Invariant;
                o.DataSource = database.DataSource;
            });
        }

        foreach (var name in new[] { MediaStorage, PubSubStorage })
        {
            // Keyed by the provider's name: Orleans' default storage serializer is JSON (Newtonsoft); the states
            // are [GenerateSerializer] records, so Orleans' own serializer keeps their ids and versioning rules.
            silo.Services.AddKeyedSingleton<IGrainStorageSerializer>(name,
                static (sp, _) => new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));
            silo.AddAdoNetGrainStorage(name, o =>
            {
                o.Invariant = database.Invariant;
                o.DataSource = database.DataSource;
            });

            // Replaces the provider registered above (the last keyed registration wins; the lifecycle registration
            // AddAdoNetGrainStorage made resolves this one): rows keyed by the exact grain id.
            silo.Services.AddKeyedSingleton<IGrainStorage>(name,
                static (sp, key) => new GrainIdKeyedStorage(AdoNetGrainStorageFactory.Create(sp, (string)key!), sp.GetRequiredService<NewGrainIds>()));
        }

        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = database.Invariant;
            o.DataSource = database.DataSource;
        });
        return silo;
    }

    /// <summary>
    /// The database and the project's services on it: <see cref="MediaDatabase"/>, <see cref="IGrainIndex"/>,
    /// <see cref="IGrainStateQuery"/>, <see cref="INonceRegistry"/> (with a background purge of expired nonces).
    /// Does not migrate: <see cref="UseMediaPersistence"/> does, or call <see cref="Schema.MediaSchema.MigrateAsync"/>.
    /// </summary>
    public static IServiceCollection AddMediaPersistence(this IServiceCollection services, MediaDatabase database)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(database);
        if (services.Any(d => d.ServiceType == typeof(MediaDatabase)))
        {
            return services;
        }

        services.AddSingleton(database);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IGrainIndexStore>(static sp => GrainIndexStores.Create(sp.GetRequiredService<MediaDatabase>()));
        services.AddSingleton<IGrainIndex, GrainIndex>();
        services.AddSingleton<IGrainStateQuery, GrainStateQueryService>();
        services.AddSingleton<NonceRegistry>();
        services.AddSingleton<NewGrainIds>();
        services.AddSingleton<INonceRegistry>(static sp => sp.GetRequiredService<NonceRegistry>());
        services.AddHostedService<NoncePurgeService>();
        return services;
    }
}
