using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Persistence;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Bench;

/// <summary>
/// One in-process silo (the real Orleans host of <c>AddOrleansMediaSilo</c>, PostgreSQL clustering, storage and
/// reminders), an admin key, and a pooled HTTP client to it. The host also serves the bench-only RPC operation
/// <see cref="NoopAction"/>: signed, authenticated, authorized, validated and rate-limited like any operation,
/// then answers without touching a grain or writing anything (the baseline of the request-rate ratios).
/// </summary>
public sealed class BenchSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SignedRpc _rpc;
    private readonly SocketsHttpHandler _handler;
    private readonly string _dataDir;

    private BenchSilo(WebApplication app, CreatedAccessKey key, Uri address, string dataDir, string project)
    {
        _app = app;
        _rpc = new SignedRpc(key.AccessKeyId, key.AccessKeySecret, project);
        Project = project;
        Address = address;
        _dataDir = dataDir;
        _handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        Client = new HttpClient(_handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public HttpClient Client { get; }

    /// <summary>The project every request of <see cref="Rpc"/> names.</summary>
    public string Project { get; }

    public SignedRpc Rpc => _rpc;

    public Uri Address { get; }

    /// <summary>The host's services (the Orleans grain factory, the grain index queries).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The bench-only no-op RPC action (IMM version 2020-09-30, project-scoped).</summary>
    public const string NoopAction = "BenchNoop";

    public static async Task<BenchSilo> StartAsync(
        string workDir, string postgres, string roles, string project, CancellationToken cancellationToken, IDictionary<string, string?>? settings = null)
    {
        var dataDir = Path.Combine(workDir, "silo-" + Guid.NewGuid().ToString("N")[..8]);
        // As the silo binary does: settings beside the binary, so the settings watcher does not watch the repository
        // (where the benchmark's PostgreSQL and buckets live) and wake on every write.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["OrleansMedia:DataDir"] = dataDir,
            ["OrleansMedia:Roles"] = roles,
            ["ConnectionStrings:Postgres"] = postgres,
            ["Logging:LogLevel:Default"] = "Warning",
            // Measure the task path, not the throttle: the key is unlimited, the project's rate is raised.
            ["Api:RateLimits:PerKeyRequestsPerSecond"] = "0",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddOrleansMediaSilo();
        builder.Services.AddApiOperations(catalog => catalog.Add(new ApiOperation("imm", "2020-09-30", NoopAction,
            static (_, _) => Task.FromResult<object>(new NoopResponse()))
        {
            ProjectParameter = "ProjectName",
            Parameters = [new ApiParameter("ProjectName", ApiParameterType.String) { Required = true, MaxLength = 128 }],
            Summary = "Bench only: authenticates and answers; touches no grain, writes nothing.",
        }));
        var app = builder.Build();
        app.MapOrleansMediaSilo();
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var key = await app.Services.GetRequiredService<IAccessKeyStore>().CreateAsync([AccessKeyPermission.Admin], "bench", cancellationToken);
        return new BenchSilo(app, key, address, dataDir, project);
    }

    public async Task CreateProjectAsync(CancellationToken cancellationToken, int engineConcurrency = 10000)
    {
        using var response = await Client.SendAsync(_rpc.Request("CreateProject", ("ProjectQueriesPerSecond", "1000000"),
            ("EngineConcurrency", engineConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture))), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException("CreateProject failed: " + await response.Content.ReadAsStringAsync(cancellationToken));
        }
    }

    /// <summary>Local bucket <c>bench</c> of this silo: <c>&lt;data dir&gt;/buckets/bench/&lt;key&gt;</c>.</summary>
    public string BucketPath(string key) => Path.Combine(_dataDir, "buckets", "bench", key);

    public void PutObject(string key, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(BucketPath(key))!);
        File.WriteAllBytes(BucketPath(key), content);
    }

    public HttpRequestMessage CreateTask(string source, string? target) =>
        target is null
            ? _rpc.Request("CreateFileUncompressionTask", ("SourceURI", source))
            : _rpc.Request("CreateFileUncompressionTask", ("SourceURI", source), ("TargetURI", target));

    public HttpRequestMessage GetTask(string taskId) => new(HttpMethod.Get, GetTaskPath(taskId));

    public string CreateTaskPath(string source) => _rpc.Path("CreateFileUncompressionTask", ("SourceURI", source));

    public string NoopPath() => _rpc.Path(NoopAction);

    public string GetTaskPath(string taskId) => _rpc.Path("GetTask", ("TaskType", "FileUncompression"), ("TaskId", taskId));

    public static async Task<string> TaskIdAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? JsonDocument.Parse(body).RootElement.GetProperty("TaskId").GetString()!
                : throw new InvalidOperationException("CreateFileUncompressionTask failed: " + body);
        }
    }

    public async Task<string> WaitForTaskAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Client.SendAsync(GetTask(taskId), cancellationToken);
            var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("Status").GetString()!;
            if (status != "Running")
            {
                return status;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"Task {taskId} did not end within {timeout}.");
    }

    /// <summary>Waits until <paramref name="count"/> tasks of the project have ended (counted in the store).</summary>
    public async Task WaitForEndedAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await CountAsync(Orleans.Media.Grains.Tasks.TaskStatus.Running, cancellationToken) > 0 ||
               await CountAsync(null, cancellationToken) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Tasks still running after {timeout}.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async Task<long> CountAsync(string? status, CancellationToken cancellationToken)
    {
        var filters = new List<StateFilter> { StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true) };
        if (status is not null)
        {
            filters.Add(StateFilter.Eq(nameof(FileUncompressionTaskState.Status), status));
        }

        return await _app.Services.GetRequiredService<IGrainStateQuery>().CountAsync(
            new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName) { Partition = Project, Filters = filters }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        _handler.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record NoopResponse;
}
