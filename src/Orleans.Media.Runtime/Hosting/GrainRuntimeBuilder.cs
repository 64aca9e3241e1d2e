using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Runtime.Core;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime;

/// <summary>Returned by <c>AddGrainRuntime</c>: choose the store, register grains and job handlers.</summary>
public sealed class GrainRuntimeBuilder
{
    internal GrainRuntimeBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>A member of the cluster in this PostgreSQL database (schema created/migrated at start).</summary>
    public GrainRuntimeBuilder UsePostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        Services.AddSingleton(new StoreSelection(StoreKind.Postgres, connectionString));
        return this;
    }

    /// <summary>The embedded single-silo store: a SQLite file (WAL; created with its schema at start).</summary>
    public GrainRuntimeBuilder UseSqlite(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Services.AddSingleton(new StoreSelection(StoreKind.Sqlite, path));
        return this;
    }

    public GrainRuntimeBuilder AddGrain<TGrainInterface, TGrain>()
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        Services.AddGrain<TGrainInterface, TGrain>();
        return this;
    }

    /// <summary>Registers every non-abstract <see cref="Grain"/> class of the assembly carrying <see cref="GrainTypeAttribute"/>.</summary>
    public GrainRuntimeBuilder AddGrainsFromAssembly(Assembly assembly)
    {
        Services.AddGrainsFromAssembly(assembly);
        return this;
    }

    public GrainRuntimeBuilder AddJobHandler<THandler>(string kind)
        where THandler : class, IJobHandler
    {
        Services.AddJobHandler<THandler>(kind);
        return this;
    }
}
