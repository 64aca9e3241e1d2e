using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Events;
using Orleans.Media.Silo.Notifications;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>
/// A real silo for the HTTP surfaces of this area: an in-process Orleans silo (TestingHost) on a fresh PostgreSQL
/// database, its front on Kestrel at 127.0.0.1 (free port) with the front framework's authentication (bearer
/// tokens of in-memory keys), notifications (<see cref="NotificationsAdminApi"/>) and the SSE endpoints (heartbeat
/// every 300 ms). The task grain is <see cref="TaskEventSourceGrain"/>, so tests raise each task event themselves.
/// </summary>
public sealed class EventsTestHost : IAsyncDisposable
{
    private readonly MediaTestCluster _cluster;
    private readonly string _dataDir;
    private WebApplication? _app;

    private EventsTestHost(MediaTestCluster cluster, string dataDir, CapturedLogs logs)
    {
        _cluster = cluster;
        _dataDir = dataDir;
        Logs = logs;
    }

    /// <summary>What the front and the silo logged.</summary>
    public CapturedLogs Logs { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The cluster's client (grain calls from outside the silo).</summary>
    public IGrainFactory Grains => _cluster.Client;

    /// <summary>Bearer token of an admin key (<c>*</c> on <c>*</c>).</summary>
    public string AdminToken { get; private set; } = "";

    /// <summary>Bearer token of a key allowed <c>imm:*</c> on <c>project/alpha</c> only.</summary>
    public string AlphaToken { get; private set; } = "";

    public static async Task<EventsTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var logs = new CapturedLogs();
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        var options = MediaSilos.Options(all, configureHost: (_, silo) => silo.Logging.AddProvider(logs), taskGrainStandIn: true);
        var cluster = await MediaTestCluster.StartAsync(options);
        var host = new EventsTestHost(cluster, Directory.CreateTempSubdirectory("events-test-").FullName, logs);
        try
        {
            await host.StartFrontAsync(all);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    private async Task StartFrontAsync(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AccessKeys:MasterKeyPath"] = Path.Combine(_dataDir, "master.key"),
            [TaskEventsOptions.Section + ":HeartbeatInterval"] = "00:00:00.300", // through the silo's own binding
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.UseSilo(_cluster[0]);
        // Keys in memory: this host tests the endpoints, not the key store.
        builder.Services.AddSingleton<IAccessKeyStore, InMemoryAccessKeyStore>();
        builder.Services.AddApiProtocols(builder.Configuration);
        builder.Services.AddNotifications(builder.Configuration);
        builder.Services.AddTaskEvents(builder.Configuration);

        _app = builder.Build();
        _app.MapRestApi();
        _app.MapTaskEventsApi();
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var keys = _app.Services.GetRequiredService<IAccessKeyStore>();
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var admin = await keys.CreateAsync([AccessKeyPermission.Admin], "admin", CancellationToken.None);
        var alpha = await keys.CreateAsync([AccessKeyPermission.Parse("imm:*@project/alpha")], "alpha", CancellationToken.None);
        AdminToken = AccessToken.Issue(admin.AccessKeyId, admin.AccessKeySecret, expires);
        AlphaToken = AccessToken.Issue(alpha.AccessKeyId, alpha.AccessKeySecret, expires);
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
        finally
        {
            await _cluster.DisposeAsync();
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
