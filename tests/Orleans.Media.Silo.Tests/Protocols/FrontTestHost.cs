using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (free port) running the protocol layer with <see cref="TestOperations"/>,
/// an admin key and a key limited to <c>imm:*</c> on <c>project/media-*</c>. Logs are captured.
/// </summary>
public sealed class FrontTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDir;

    private FrontTestHost(WebApplication app, string dataDir, TestOperations operations, LogCapture logs)
    {
        _app = app;
        _dataDir = dataDir;
        Operations = operations;
        Logs = logs;
    }

    public TestOperations Operations { get; }

    public LogCapture Logs { get; }

    public IServiceProvider Services => _app.Services;

    public Uri BaseAddress { get; private set; } = null!;

    public CreatedAccessKey Admin { get; private set; } = null!;

    /// <summary>May do <c>imm:*</c> on <c>project/media-*</c> only.</summary>
    public CreatedAccessKey MediaKey { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    /// <param name="settings">Configuration overrides (e.g. <c>Api:RateLimits:…</c>).</param>
    /// <param name="configureServices">Extra services, e.g. a silo of a test cluster (<see cref="MediaSilos.UseSilo"/>).</param>
    /// <param name="masterKeyPath">Share one master key between hosts of one cluster; default: a fresh one.</param>
    public static async Task<FrontTestHost> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        string? masterKeyPath = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("front-test-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AccessKeys:MasterKeyPath"] = masterKeyPath ?? Path.Combine(dataDir, "master.key"),
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var logs = new LogCapture();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);

        var operations = new TestOperations();
        builder.Services.AddApiProtocols(builder.Configuration);
        builder.Services.AddApiDocumentation();
        builder.Services.AddApiOperations(operations.Register);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapApiProtocols();
        app.UseApiDocumentation();
        var host = new FrontTestHost(app, dataDir, operations, logs);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        host.BaseAddress = new Uri(address);
        host.Http.BaseAddress = host.BaseAddress;
        var store = app.Services.GetRequiredService<IAccessKeyStore>();
        host.Admin = await store.CreateAsync([AccessKeyPermission.Admin], "test admin", CancellationToken.None);
        host.MediaKey = await store.CreateAsync([new AccessKeyPermission("imm:*", "project/media-*")], "media only", CancellationToken.None);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
