using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains;
using Orleans.Media.Silo.Api;
using Orleans.Media.Silo.Events;
using Orleans.Media.Silo.Notifications;
using Orleans.Media.Persistence;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Storage;
using Orleans.Media.Storage;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// Wires one silo: Orleans (<see cref="OrleansHosting"/>) on PostgreSQL (<c>ConnectionStrings:Postgres</c>) or, by
/// default, SQLite in the data directory, with the front co-hosted on the same ASP.NET host; object storage (any bucket not configured is the folder <c>&lt;data dir&gt;/buckets/&lt;bucket&gt;</c>);
/// the API protocols and operations; health endpoints.
/// </summary>
public static class SiloHostExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static WebApplicationBuilder AddOrleansMediaSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var siloSection = configuration.GetSection(SiloOptions.Section);
        var silo = siloSection.Get<SiloOptions>() ?? new SiloOptions();
        var validation = new SiloOptionsValidator().Validate(null, silo);
        if (validation.Failed)
        {
            throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions), validation.Failures);
        }

        var data = new DataDirectory(silo.DataDir);
        data.Create();
        var url = configuration["urls"] is { Length: > 0 } urls ? urls.Split(';')[0] : DefaultUrl;
        if (configuration["urls"] is not { Length: > 0 } && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var advertised = silo.AdvertisedUrl ?? url.Replace("://0.0.0.0", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://+", "://127.0.0.1");

        // Defaults derived from the data directory, below every other configuration source.
        configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["AccessKeys:MasterKeyPath"] = data.MasterKeyFile,
                [ObjectStorageOptions.SectionName + ":DefaultLocalRoot"] = data.Buckets,
                [ObjectStorageOptions.SectionName + ":LocalPublicBaseUrl"] = advertised,
            },
        });
        if (configuration[ObjectStorageOptions.SectionName + ":LocalSigningKey"] is not { Length: > 0 })
        {
            configuration[ObjectStorageOptions.SectionName + ":LocalSigningKey"] = data.ReadOrCreateSecret(data.LocalSigningKeyFile);
        }

        var services = builder.Services;
        services.AddSingleton(data);
        services.AddKestrelReceiveBlocks(silo.ReceiveBlockKiB);
        services.AddOptions<SiloOptions>().Bind(siloSection).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();

        MediaDatabase database;
        if (configuration.GetConnectionString("Postgres") is { Length: > 0 } postgres)
        {
            database = MediaDatabase.ForPostgres(postgres);
        }
        else
        {
            // One process per embedded store; released when the host is disposed or the process dies.
            var dataLock = DataDirectoryLock.Acquire(data);
            services.AddSingleton(_ => dataLock);
            database = MediaDatabase.ForSqlite(data.SqliteStore);
        }

        builder.UseOrleans(orleans => orleans.UseMediaCluster(configuration, silo, database));

        // After Orleans (hosted services start in order), before the server: refuse to serve with the wrong master key.
        services.AddHostedService<Security.MasterKeyCheck>();
        services.AddMediaGrains(configuration);
        services.AddNotifications(configuration);
        services.AddTaskEvents(configuration);
        services.AddObjectStorage(configuration);
        services.AddApiProtocols(configuration);
        services.AddApiDocumentation();
        services.AddMediaApis();
        return builder;
    }

    public static WebApplication MapOrleansMediaSilo(this WebApplication app)
    {
        app.MapHealthApi();
        app.MapDashboard();
        app.MapLocalObjectsApi();
        app.MapApiProtocols();
        app.MapTaskEventsApi();
        app.UseApiDocumentation();

        // Resolved here so the host disposes (releases) it; its address lets the `keys` verb act through this silo.
        if (app.Services.GetService<DataDirectoryLock>() is { } dataLock)
        {
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                if (ServingAddress(app) is { } address)
                {
                    dataLock.PublishEndpoint(address);
                }
            });
        }

        return app;
    }

    private static Uri? ServingAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses?.FirstOrDefault();
        if (first is null)
        {
            return null;
        }

        // A wildcard listener is reached on loopback from this machine.
        var local = first.Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://+", "://127.0.0.1");
        return Uri.TryCreate(local, UriKind.Absolute, out var uri) ? uri : null;
    }
}
