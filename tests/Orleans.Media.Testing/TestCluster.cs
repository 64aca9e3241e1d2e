using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Media.Runtime;

namespace Orleans.Media.Testing;

/// <summary>
/// N in-process silos against one PostgreSQL database (a fresh one per cluster) or one SQLite file, each with its
/// own connection pool (distinct Application Name). Silos can be added, stopped gracefully, or killed abruptly.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestClusterOptions _options;
    private readonly List<TestSilo> _silos = [];
    private readonly PostgresDatabase? _database;
    private readonly string? _sqliteDir;
    private int _nextIndex;

    private TestCluster(TestClusterOptions options, PostgresDatabase? database, string? sqliteDir)
    {
        _options = options;
        _database = database;
        _sqliteDir = sqliteDir;
    }

    public IReadOnlyList<TestSilo> Silos => _silos;

    /// <summary>The silo with this index (indexes are never reused; stopped silos keep theirs).</summary>
    public TestSilo this[int index] => _silos.Single(s => s.Index == index);

    public TestStore Store => _options.Store;

    /// <summary>The cluster database (PostgreSQL), direct (not through proxies).</summary>
    public string? PostgresConnectionString => _database?.ConnectionString;

    public string? SqlitePath => _sqliteDir is null ? null : Path.Combine(_sqliteDir, "cluster.db");

    public static async Task<TestCluster> StartAsync(TestClusterOptions options)
    {
        var database = options.Store == TestStore.Postgres ? await PostgresDatabase.CreateAsync() : null;
        var dir = options.Store == TestStore.Sqlite ? Directory.CreateTempSubdirectory("om-cluster-").FullName : null;
        var cluster = new TestCluster(options, database, dir);
        try
        {
            // Started together, as silos of a real cluster do: schema migration must be safe under that.
            await Task.WhenAll(Enumerable.Range(0, options.InitialSilos).Select(_ => cluster.AddSiloAsync()));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public async Task<TestSilo> AddSiloAsync(Action<GrainRuntimeOptions>? configure = null)
    {
        var index = Interlocked.Increment(ref _nextIndex) - 1;
        var name = $"silo-{index}";
        TcpProxy? proxy = null;
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var runtime = builder.Services.AddGrainRuntime(o =>
        {
            TestClusterOptions.ApplyFastTimings(o);
            o.SiloName = name;
            _options.ConfigureOptions?.Invoke(o);
            configure?.Invoke(o);
        });
        if (_database is not null)
        {
            var cs = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { ApplicationName = "om-" + name, MaxPoolSize = 16 };
            if (_options.UseTcpProxy)
            {
                proxy = TcpProxy.Start(cs.Host!, cs.Port);
                cs.Host = "127.0.0.1";
                cs.Port = proxy.Port;
            }

            runtime.UsePostgres(cs.ConnectionString);
        }
        else
        {
            runtime.UseSqlite(SqlitePath!);
        }

        _options.ConfigureRuntime?.Invoke(runtime);
        _options.ConfigureServices?.Invoke(index, builder.Services);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            throw;
        }

        var silo = new TestSilo(index, name, host, proxy);
        lock (_silos)
        {
            _silos.Add(silo);
            _silos.Sort((a, b) => a.Index.CompareTo(b.Index));
        }

        return silo;
    }

    /// <summary>Graceful stop: stop claiming, cancel handlers, hand leases back, leave the membership.</summary>
    public async Task StopSiloAsync(int index)
    {
        var silo = this[index];
        if (silo.IsStopped)
        {
            return;
        }

        silo.IsStopped = true;
        await silo.Host.StopAsync();
        silo.Host.Dispose();
        if (silo.Proxy is not null)
        {
            await silo.Proxy.DisposeAsync();
        }
    }

    /// <summary>
    /// Abrupt stop, as close to kill -9 as in-process allows: nothing more from this silo reaches the store (its
    /// connections are cut and its store refuses), its loops stop, its handlers are cancelled, no lease is handed back.
    /// </summary>
    public async Task KillSiloAsync(int index)
    {
        var silo = this[index];
        if (silo.IsStopped)
        {
            return;
        }

        silo.IsStopped = true;
        silo.Proxy?.Cut();
        silo.RuntimeHost.Kill();
        await silo.Host.StopAsync();
        silo.Host.Dispose();
        if (silo.Proxy is not null)
        {
            await silo.Proxy.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos.Where(s => !s.IsStopped).ToArray())
        {
            try
            {
                await StopSiloAsync(silo.Index);
            }
            catch (Exception)
            {
                // Disposal must go on: the database is dropped below regardless.
            }
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_sqliteDir is not null)
        {
            try
            {
                Directory.Delete(_sqliteDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
