using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains;
using Orleans.Media.Grains.Work;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Notifications;
using Orleans.Media.Testing;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// The product's silo parts on the silos of a <see cref="MediaTestCluster"/> (what <c>OrleansHosting.UseMediaCluster</c>
/// adds besides clustering and endpoints, which TestingHost owns): memory streams for live events, the roles as
/// silo metadata with the worker placement filter, and the grains' services (work options, index writer,
/// notification topics and sinks). Fast work timings so retries and reminders run in test time.
/// </summary>
public static class MediaSilos
{
    public static readonly string[] ApiAndWorker = [Hosting.SiloOptions.ApiRole, Hosting.SiloOptions.WorkerRole];

    /// <summary>Retries after 100 ms (doubling, at most 1 s), reminders every second.</summary>
    public static IReadOnlyDictionary<string, string?> FastWork { get; } = new Dictionary<string, string?>
    {
        [WorkOptions.Section + ":RetryBaseDelay"] = "00:00:00.100",
        [WorkOptions.Section + ":RetryMaxDelay"] = "00:00:01",
        [WorkOptions.Section + ":ReminderPeriod"] = "00:00:01",
        [WorkOptions.Section + ":CheckpointInterval"] = "00:00:00.100",
    };

    /// <param name="settings">Configuration of every silo, over <see cref="FastWork"/>.</param>
    /// <param name="roles">The roles of the silo with this index (default: api and worker).</param>
    /// <param name="configureHost">More of each silo host (e.g. log capture).</param>
    /// <param name="taskGrainStandIn">
    /// The events tests' <see cref="Events.TaskEventSourceGrain"/> answers for <see cref="IFileUncompressionTaskGrain"/>
    /// instead of the product's task grain; otherwise that stand-in is left out (one class per interface).
    /// </param>
    public static MediaTestClusterOptions Options(
        IReadOnlyDictionary<string, string?>? settings = null,
        TestStore store = TestStore.Postgres,
        int initialSilos = 1,
        Func<int, string[]>? roles = null,
        Action<int, IHostApplicationBuilder>? configureHost = null,
        bool taskGrainStandIn = false)
    {
        var all = new Dictionary<string, string?>(FastWork);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new MediaTestClusterOptions
        {
            Store = store,
            InitialSilos = initialSilos,
            Settings = all,
            ConfigureSilo = (index, silo) =>
            {
                silo.AddMemoryStreams(MediaProviders.Streams);
                silo.UseSiloMetadata(new Dictionary<string, string>
                {
                    [WorkerPlacementFilterStrategy.RoleMetadataKey] = string.Join(',', roles?.Invoke(index) ?? ApiAndWorker),
                });
                silo.Services.AddPlacementFilter<WorkerPlacementFilterStrategy, Hosting.WorkerPlacementFilterDirector>(ServiceLifetime.Singleton);
            },
            ConfigureSiloHost = (index, host) =>
            {
                host.Services.AddMediaGrains(host.Configuration);
                host.Services.AddNotifications(host.Configuration);
                host.Services.PostConfigure<GrainTypeOptions>(o => o.Classes.Remove(
                    taskGrainStandIn ? typeof(FileUncompressionTaskGrain) : typeof(Events.TaskEventSourceGrain)));
                configureHost?.Invoke(index, host);
            },
        };
    }

    /// <summary>
    /// Lets a front (a WebApplication of the test) use <paramref name="silo"/> as its co-hosted silo: the Orleans and
    /// persistence services the front resolves are that silo's own instances (registered as instances, so the
    /// front's container never disposes them), exactly what the product's single container gives its endpoints.
    /// </summary>
    public static IServiceCollection UseSilo(this IServiceCollection services, MediaTestSilo silo)
    {
        var sp = silo.Services;
        services.AddSingleton(sp.GetRequiredService<IGrainFactory>());
        services.AddSingleton(sp.GetRequiredService<IClusterClient>());
        services.AddSingleton(sp.GetRequiredService<IClusterMembershipService>());
        services.AddSingleton(sp.GetRequiredService<ISiloMetadataCache>());
        services.AddSingleton(sp.GetRequiredService<MediaDatabase>());
        services.AddSingleton(sp.GetRequiredService<INonceRegistry>());
        services.AddSingleton(sp.GetRequiredService<IGrainStateQuery>());
        return services;
    }
}
