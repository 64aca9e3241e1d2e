using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Media.Grains;
using Orleans.Media.Grains.Work;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Hosting;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// The Orleans side of a silo: clustering (ADO.NET on PostgreSQL when <c>ConnectionStrings:Postgres</c> is set,
/// else localhost clustering for the embedded single silo), grain state and reminders in the same database,
/// memory streams for live events, the silo's roles as silo metadata (work-owning grains are placed on
/// <c>worker</c> silos only), and the membership settings from <c>OrleansMedia:Membership</c>.
/// </summary>
public static class OrleansHosting
{
    public const string MembershipSection = "OrleansMedia:Membership";

    public const string GrainCollectionSection = "OrleansMedia:GrainCollection";

    public static ISiloBuilder UseMediaCluster(this ISiloBuilder silo, IConfiguration configuration, SiloOptions options, MediaDatabase database)
    {
        var siloPort = options.SiloPort == 0 ? FreePort() : options.SiloPort;
        var gatewayPort = options.GatewayPort == 0 ? FreePort() : options.GatewayPort;
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = "orleans-media";
        });
        if (database.Kind == DatabaseKind.Sqlite)
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort);
        }
        else
        {
            silo.ConfigureEndpoints(options.SiloHost, siloPort, gatewayPort, listenOnAnyHostAddress: options.SiloHost != "127.0.0.1");
        }

        silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = options.SiloName ?? $"{Environment.MachineName}-{Environment.ProcessId}");
        silo.UseMediaPersistence(database);
        silo.AddMemoryStreams(MediaProviders.Streams);
        silo.AddDashboard();
        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [WorkerPlacementFilterStrategy.RoleMetadataKey] = string.Join(',', options.RoleList),
        });
        silo.Services.AddPlacementFilter<WorkerPlacementFilterStrategy, WorkerPlacementFilterDirector>(ServiceLifetime.Singleton);

        // Reminders drive recovery: an unfinished task's reminder ticks every OrleansMedia:Work:ReminderPeriod (10 s).
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));

        // Every created task keeps its activation until idle collection (15 minutes), about 6.5 KB of heap each
        // (tasks bench): a silo creating 900 tasks/s would grow by 5 GB. Under memory pressure Orleans deactivates the
        // activations idle longest instead (a queued task reactivates when woken, a running one is busy or renewed).
        silo.Configure<GrainCollectionOptions>(o => o.EnableActivationSheddingOnMemoryPressure = true);
        silo.Configure<GrainCollectionOptions>(configuration.GetSection(GrainCollectionSection));
        return silo;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
