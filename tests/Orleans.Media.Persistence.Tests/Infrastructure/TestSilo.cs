using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Media.Persistence.Hosting;

namespace Orleans.Media.Persistence.Tests.Infrastructure;

/// <summary>
/// A real silo in the test process, on real TCP ports, configured as the product does: <c>UseMediaPersistence</c>
/// (ADO.NET clustering on PostgreSQL; localhost clustering added here for SQLite, as the embedded silo does).
/// Used where the TestingHost's in-memory membership would hide what is tested (ADO.NET clustering, a restart on
/// the same SQLite file).
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private TestSilo(IHost host) => Host = host;

    public IHost Host { get; }

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<TestSilo> StartAsync(MediaDatabase database, string serviceId, string? clusterId = null,
        Action<ISiloBuilder>? configure = null)
    {
        var host = Build(database, serviceId, clusterId, configure);
        await host.StartAsync();
        return new TestSilo(host);
    }

    /// <summary>A silo host built but not started: its providers can be resolved and driven directly.</summary>
    public static IHost Build(MediaDatabase database, string serviceId, string? clusterId = null, Action<ISiloBuilder>? configure = null)
    {
        clusterId ??= serviceId;
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            if (database.Kind == DatabaseKind.Sqlite)
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, null, serviceId, clusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = serviceId;
                });
                silo.Configure<EndpointOptions>(o =>
                {
                    o.AdvertisedIPAddress = IPAddress.Loopback;
                    o.SiloPort = siloPort;
                    o.GatewayPort = gatewayPort;
                });
            }

            silo.UseMediaPersistence(database);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            configure?.Invoke(silo);
        });
        return builder.Build();
    }

    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
