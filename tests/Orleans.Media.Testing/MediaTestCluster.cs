using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Hosting;
using Orleans.TestingHost;

namespace Orleans.Media.Testing;

/// <summary>How a <see cref="MediaTestCluster"/> builds its silos.</summary>
public sealed class MediaTestClusterOptions
{
    public TestStore Store { get; set; } = TestStore.Postgres;

    public int InitialSilos { get; set; } = 1;

    /// <summary>Configuration of every silo host (e.g. <c>OrleansMedia:Notifications:Topics:…</c>).</summary>
    public IDictionary<string, string?> Settings { get; set; } = new Dictionary<string, string?>();

    /// <summary>Route each silo's PostgreSQL connections through its own <see cref="TcpProxy"/>, to cut them in a test.</summary>
    public bool UseTcpProxy { get; set; }

    /// <summary>Orleans parts of every silo (index of the silo in start order, builder).</summary>
    public Action<int, ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Services and logging of every silo host (index of the silo in start order, host builder).</summary>
    public Action<int, IHostApplicationBuilder>? ConfigureSiloHost { get; set; }
}

/// <summary>
/// Orleans silos in the test process (<see cref="InProcessTestCluster"/> of Microsoft.Orleans.TestingHost) on the
/// project's persistence (<c>UseMediaPersistence</c>): grain storage, reminders, index and nonces in a fresh
/// PostgreSQL database per cluster, or in one SQLite file. Membership and transport are TestingHost's (in memory);
/// membership is tuned so a killed silo is declared dead in seconds.
/// TestingHost's kill is a stop with a cancelled token, not a crash: crash tests use <see cref="SiloProcess"/>.
/// </summary>
public sealed class MediaTestCluster : IAsyncDisposable
{
    private readonly MediaTestClusterOptions _options;
    private readonly PostgresDatabase? _postgres;
    private readonly string? _sqliteDir;
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly List<MediaTestSilo> _silos = [];
    private InProcessTestCluster _cluster = null!;
    private int _nextIndex;
    private int _startingIndex;

    private MediaTestCluster(MediaTestClusterOptions options, PostgresDatabase? postgres, string? sqliteDir, MediaDatabase database)
    {
        _options = options;
        _postgres = postgres;
        _sqliteDir = sqliteDir;
        Database = database;
    }

    /// <summary>The cluster's database, as the silos reach it (direct, not through proxies).</summary>
    public MediaDatabase Database { get; }

    /// <summary>The PostgreSQL database (direct), when the cluster runs on one.</summary>
    public string? PostgresConnectionString => _postgres?.ConnectionString;

    /// <summary>A client of the cluster (TestingHost's client).</summary>
    public IClusterClient Client => _cluster.Client;

    public InProcessTestCluster Cluster => _cluster;

    /// <summary>Every silo started, in start order (stopped ones included: their index is never reused).</summary>
    public IReadOnlyList<MediaTestSilo> Silos
    {
        get
        {
            lock (_silos)
            {
                return [.. _silos];
            }
        }
    }

    public MediaTestSilo this[int index] => Silos.Single(s => s.Index == index);

    public static async Task<MediaTestCluster> StartAsync(MediaTestClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PostgresDatabase? postgres = null;
        string? sqliteDir = null;
        MediaDatabase database;
        if (options.Store == TestStore.Postgres)
        {
            postgres = await PostgresDatabase.CreateAsync();
            database = MediaDatabase.ForPostgres(postgres.ConnectionString);
        }
        else
        {
            sqliteDir = Directory.CreateTempSubdirectory("om-cluster-").FullName;
            database = MediaDatabase.ForSqlite(Path.Combine(sqliteDir, "cluster.db"));
        }

        var cluster = new MediaTestCluster(options, postgres, sqliteDir, database);
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    private async Task DeployAsync()
    {
        // No initial silos: each silo is started here, so each knows its index (and roles) when it is configured.
        var builder = new InProcessTestClusterBuilder(0);
        builder.Options.ClusterId = "om-test-" + Guid.NewGuid().ToString("N")[..8];
        builder.Options.ServiceId = "orleans-media";
        builder.Options.ConfigureFileLogging = false;
        builder.Options.InitializeClientOnDeploy = false;
        builder.Options.UseRealEnvironmentStatistics = true;
        builder.ConfigureSiloHost((_, host) =>
        {
            var index = _startingIndex;
            host.Configuration.AddInMemoryCollection(_options.Settings);
            host.Logging.SetMinimumLevel(LogLevel.Warning);
            _options.ConfigureSiloHost?.Invoke(index, host);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            var index = _startingIndex;
            silo.UseMediaPersistence(DatabaseFor(index));
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Configure<ClusterMembershipOptions>(ApplyFastMembership);
            _options.ConfigureSilo?.Invoke(index, silo);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        for (var i = 0; i < _options.InitialSilos; i++)
        {
            // One by one: the first silo migrates the schema; the others join a cluster that exists.
            await AddSiloAsync();
        }

        await _cluster.InitializeClientAsync();
    }

    /// <summary>Starts one more silo; it joins the cluster.</summary>
    public async Task<MediaTestSilo> AddSiloAsync()
    {
        await _starting.WaitAsync();
        try
        {
            var index = _startingIndex = _nextIndex++;
            var handle = await _cluster.StartAdditionalSiloAsync();
            var silo = new MediaTestSilo(index, handle, _proxies.GetValueOrDefault(index));
            lock (_silos)
            {
                _silos.Add(silo);
            }

            return silo;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>Graceful stop: activations deactivate (and hand their work over), the silo leaves the membership.</summary>
    public async Task StopSiloAsync(int index)
    {
        var silo = this[index];
        if (silo.IsStopped)
        {
            return;
        }

        silo.IsStopped = true;
        await _cluster.StopSiloAsync(silo.Handle);
        if (silo.Proxy is not null)
        {
            await silo.Proxy.DisposeAsync();
        }
    }

    /// <summary>
    /// TestingHost's kill: the silo stops with a cancelled token (no graceful hand-over, no membership goodbye);
    /// with a proxy its database connections are cut first, so nothing more of it reaches the store.
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
        await _cluster.KillSiloAsync(silo.Handle);
        if (silo.Proxy is not null)
        {
            await silo.Proxy.DisposeAsync();
        }
    }

    /// <summary>Waits until every running silo sees exactly the running silos as active.</summary>
    public async Task WaitForMembershipAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var running = Silos.Where(s => !s.IsStopped).ToList();
            var expected = running.Select(s => s.Handle.SiloAddress).ToHashSet();
            if (running.All(s => s.ActiveSilos().SetEquals(expected)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The membership did not settle on {running.Count} active silo(s) within {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            try
            {
                foreach (var silo in Silos.Where(s => !s.IsStopped).Reverse())
                {
                    silo.IsStopped = true;
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await silo.Handle.StopSiloAsync(timeout.Token);
                }
            }
            catch (Exception)
            {
                // Disposal goes on: the database is dropped below regardless.
            }

            await _cluster.DisposeAsync();
        }

        foreach (var proxy in _proxies.Values)
        {
            await proxy.DisposeAsync();
        }

        // The silos' pools (each silo its own MediaDatabase), then the cluster's, before the database is dropped.
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        await Database.DisposeAsync();

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_sqliteDir is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_sqliteDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private readonly Dictionary<int, TcpProxy> _proxies = [];
    private readonly List<MediaDatabase> _databases = [];

    private MediaDatabase DatabaseFor(int index)
    {
        if (_postgres is null)
        {
            return Database;
        }

        // Each silo its own pool (a distinct Application Name), as separate processes would have.
        var cs = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString) { ApplicationName = $"om-silo-{index}", MaxPoolSize = 16 };
        if (_options.UseTcpProxy)
        {
            var proxy = TcpProxy.Start(cs.Host!, cs.Port);
            _proxies[index] = proxy;
            cs.Host = "127.0.0.1";
            cs.Port = proxy.Port;
        }

        var database = MediaDatabase.ForPostgres(cs.ConnectionString);
        _databases.Add(database);
        return database;
    }

    /// <summary>A killed silo is suspected after 2 missed probes of 1 s and declared dead by one vote.</summary>
    private static void ApplyFastMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
    }
}

/// <summary>One silo of a <see cref="MediaTestCluster"/>.</summary>
public sealed class MediaTestSilo
{
    internal MediaTestSilo(int index, InProcessSiloHandle handle, TcpProxy? proxy)
    {
        Index = index;
        Handle = handle;
        Proxy = proxy;
    }

    public int Index { get; }

    public InProcessSiloHandle Handle { get; }

    public IServiceProvider Services => Handle.ServiceProvider;

    public IGrainFactory GrainFactory => Services.GetRequiredService<IGrainFactory>();

    /// <summary>The proxy between this silo and PostgreSQL, when the cluster uses proxies.</summary>
    public TcpProxy? Proxy { get; }

    public bool IsStopped { get; internal set; }

    public TGrain GetGrain<TGrain>(string key)
        where TGrain : IGrainWithStringKey => GrainFactory.GetGrain<TGrain>(key);

    /// <summary>The silos this silo's membership view holds Active.</summary>
    public HashSet<Orleans.Runtime.SiloAddress> ActiveSilos() =>
        Services.GetRequiredService<Orleans.Runtime.IClusterMembershipService>().CurrentSnapshot.Members.Values
            .Where(m => m.Status == Orleans.Runtime.SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
}
