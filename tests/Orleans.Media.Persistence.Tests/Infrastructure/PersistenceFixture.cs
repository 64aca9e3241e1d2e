using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Persistence.Hosting;
using Orleans.Media.Persistence.Schema;

namespace Orleans.Media.Persistence.Tests.Infrastructure;

/// <summary>A migrated fresh database and the services AddMediaPersistence registers on it (no silo).</summary>
public sealed class PersistenceFixture : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly ServiceProvider _services;

    private PersistenceFixture(TestDatabase database, ServiceProvider services)
    {
        _database = database;
        _services = services;
    }

    public MediaDatabase Database => _database.Database;

    public IGrainIndex Index => _services.GetRequiredService<IGrainIndex>();

    public IGrainStateQuery Query => _services.GetRequiredService<IGrainStateQuery>();

    public INonceRegistry Nonces => _services.GetRequiredService<INonceRegistry>();

    public ManualTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public static async Task<PersistenceFixture> CreateAsync(DatabaseKind kind)
    {
        var database = await TestDatabase.CreateAsync(kind);
        await MediaSchema.MigrateAsync(database.Database);
        var services = new ServiceCollection();
        services.AddLogging();
        PersistenceFixture? fixture = null;
        services.AddSingleton<TimeProvider>(_ => fixture!.Time);
        services.AddMediaPersistence(database.Database);
        fixture = new PersistenceFixture(database, services.BuildServiceProvider());
        return fixture;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>A clock the test moves (expiry without sleeping).</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
