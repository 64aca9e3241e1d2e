using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Runtime;
using Orleans.Media.Silo.Events;
using Orleans.Media.Silo.Notifications;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Security;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>
/// A real silo for the HTTP surfaces of this area: Kestrel on 127.0.0.1 (free port), the grain runtime on a fresh
/// PostgreSQL database, the front framework's authentication (bearer tokens of in-memory keys), notifications
/// (<see cref="NotificationsAdminApi"/>) and the SSE endpoints (heartbeat every 300 ms).
/// </summary>
public sealed class EventsTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly PostgresDatabase _database;
    private readonly string _dataDir;

    private EventsTestHost(WebApplication app, PostgresDatabase database, string dataDir, CapturedLogs logs)
    {
        _app = app;
        _database = database;
        _dataDir = dataDir;
        Logs = logs;
    }

    public CapturedLogs Logs { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Bearer token of an admin key (<c>*</c> on <c>*</c>).</summary>
    public string AdminToken { get; private set; } = "";

    /// <summary>Bearer token of a key allowed <c>imm:*</c> on <c>project/alpha</c> only.</summary>
    public string AlphaToken { get; private set; } = "";

    public static async Task<EventsTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var database = await PostgresDatabase.CreateAsync();
        var dataDir = Directory.CreateTempSubdirectory("events-test-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AccessKeys:MasterKeyPath"] = Path.Combine(dataDir, "master.key"),
            [TaskEventsOptions.Section + ":HeartbeatInterval"] = "00:00:00.300", // through the silo's own binding
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Services.AddGrainRuntime(TestClusterOptions.ApplyFastTimings)
            .UsePostgres(database.ConnectionString)
            .AddGrain<INotificationGrain, NotificationGrain>()
            .AddGrain<ITaskEventSourceGrain, TaskEventSourceGrain>();
        // Keys in memory: this host tests the endpoints, not the key store.
        builder.Services.AddSingleton<IAccessKeyStore, InMemoryAccessKeyStore>();
        builder.Services.AddApiProtocols(builder.Configuration);
        builder.Services.AddNotifications(builder.Configuration);
        builder.Services.AddTaskEvents(builder.Configuration);

        var app = builder.Build();
        app.MapRestApi();
        app.MapTaskEventsApi();
        var host = new EventsTestHost(app, database, dataDir, logs);
        try
        {
            await app.StartAsync();
            host.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var keys = app.Services.GetRequiredService<IAccessKeyStore>();
            var expires = DateTimeOffset.UtcNow.AddHours(1);
            var admin = await keys.CreateAsync([AccessKeyPermission.Admin], "admin", CancellationToken.None);
            var alpha = await keys.CreateAsync([AccessKeyPermission.Parse("imm:*@project/alpha")], "alpha", CancellationToken.None);
            host.AdminToken = AccessToken.Issue(admin.AccessKeyId, admin.AccessKeySecret, expires);
            host.AlphaToken = AccessToken.Issue(alpha.AccessKeyId, alpha.AccessKeySecret, expires);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
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
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            await _database.DisposeAsync();
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
