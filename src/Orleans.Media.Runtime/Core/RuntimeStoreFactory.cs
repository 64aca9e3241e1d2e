using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Stores;
using Orleans.Media.Runtime.Stores.Postgres;
using Orleans.Media.Runtime.Stores.Sqlite;

namespace Orleans.Media.Runtime.Core;

internal static class RuntimeStoreFactory
{
    public static IRuntimeStore Create(IServiceProvider services)
    {
        var selection = services.GetService<StoreSelection>()
            ?? throw new InvalidOperationException("The grain runtime has no store: call UsePostgres(connectionString) or UseSqlite(path) after AddGrainRuntime.");
        var options = services.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        return selection.Kind switch
        {
            StoreKind.Postgres => new PostgresStore(selection.Target, options),
            StoreKind.Sqlite => new SqliteStore(selection.Target, time),
            _ => throw new InvalidOperationException($"Unknown store {selection.Kind}."),
        };
    }
}
