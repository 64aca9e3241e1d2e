using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Events;
using Orleans.Media.Testing;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Live progress of REAL tasks over server-sent events, on a real silo process (PostgreSQL, s3rver): what the file
/// decompression task grain publishes reaches the task's and the project's SSE streams (so the grain and the endpoints
/// name the same streams), in order, and a reconnect with Last-Event-ID resumes without loss or duplicates.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RealTaskEventsTests(PostgresSiloFixture silo, ITestOutputHelper output) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ArchiveFactory _archives = new();

    [Fact]
    public async Task A_real_tasks_events_arrive_in_order_on_its_stream_and_on_its_projects_stream()
    {
        var (project, source) = await ProjectWithArchiveAsync("order");
        using var http = Client();
        await using var projectStream = await OpenAsync(http, $"/api/v1/projects/{project}/events");

        var taskId = await silo.Client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/out/"));
        await using var taskStream = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events");
        var events = await ReadUntilEndedAsync(taskStream, taskId);
        var task = (await silo.Client.GetTaskAsync(project, taskId)).EnsureOk("GetTask").Body;
        output.WriteLine($"{events.Count} events over {TaskAssert.Rfc3339(task, "EndTime") - TaskAssert.Rfc3339(task, "StartTime")}: {string.Join(", ", events.Select(Describe))}");

        // Created, then forward-only progress below 100, then the end that GetTask reports.
        Assert.Equal("TaskCreated", events[0].Type);
        Assert.Equal("TaskEnded", events[^1].Type);
        var progress = events[1..^1];
        Assert.NotEmpty(progress);
        Assert.All(progress, e => Assert.Equal("TaskProgressed", e.Type));
        var percents = progress.Select(e => e.Data.GetProperty("Progress").GetInt32()).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(percents.Count, percents.Distinct().Count());
        Assert.All(percents, p => Assert.InRange(p, 1, 99));
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events, e =>
        {
            Assert.Equal(taskId, e.Data.GetProperty("TaskId").GetString());
            Assert.Equal(project, e.Data.GetProperty("ProjectName").GetString());
            Assert.Equal("FileUncompression", e.Data.GetProperty("TaskType").GetString());
        });
        TaskAssert.Succeeded(task);
        var ended = events[^1].Data;
        Assert.Equal("Succeeded", ended.GetProperty("Status").GetString());
        Assert.Equal(TaskAssert.Rfc3339(task, "EndTime"), ended.GetProperty("Time").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));

        // The project's stream (opened before the task existed) carried the same events, in the same order.
        var fromProject = await ReadUntilEndedAsync(projectStream, taskId);
        Assert.Equal(events.Select(e => (e.Type, e.Data.GetRawText())), fromProject.Select(e => (e.Type, e.Data.GetRawText())));
        Assert.Equal(fromProject.Select(e => e.Id).Order(), fromProject.Select(e => e.Id));
    }

    [Fact]
    public async Task Reconnecting_to_the_project_stream_with_Last_Event_ID_resumes_without_loss_or_duplicates()
    {
        var (project, source) = await ProjectWithArchiveAsync("resume");
        using var http = Client();
        SseEvent created;
        string taskId;
        await using (var first = await OpenAsync(http, $"/api/v1/projects/{project}/events"))
        {
            taskId = await silo.Client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/out/"));
            created = await first.NextAsync(Timeout); // Then the client goes away while the task runs.
        }

        Assert.Equal(("TaskCreated", taskId), (created.Type, created.Data.GetProperty("TaskId").GetString()));
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, taskId));
        await using var resumed = await OpenAsync(http, $"/api/v1/projects/{project}/events", created.Id);
        var rest = await ReadUntilEndedAsync(resumed, taskId);

        // Nothing follows the task's end but what happens next: a second task's creation is the very next event.
        var next = await silo.Client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/next/"));
        var after = await resumed.NextAsync(Timeout);
        Assert.Equal(("TaskCreated", next), (after.Type, after.Data.GetProperty("TaskId").GetString()));

        // Against the task's own stream, read whole from its start: the two connections together hold every event
        // exactly once, in order.
        await using var whole = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events");
        var all = await ReadUntilEndedAsync(whole, taskId);
        output.WriteLine($"before the reconnect: {Describe(created)}; after: {string.Join(", ", rest.Select(Describe))}");
        Assert.Equal(all.Select(e => e.Data.GetRawText()), rest.Prepend(created).Select(e => e.Data.GetRawText()));
        Assert.Contains(rest, e => e.Type == "TaskProgressed");
        Assert.All(rest, e => Assert.True(e.Id > created.Id, $"event {e.Id} is not after the resume point {created.Id}"));
        Assert.Equal(rest.Select(e => e.Id).Order(), rest.Select(e => e.Id));
        Assert.Equal(rest.Count, rest.Select(e => e.Id).Distinct().Count());
        Assert.True(after.Id > rest[^1].Id);
        await silo.Client.WaitForTaskAsync(project, next);
    }

    [Fact]
    public async Task A_failed_real_tasks_end_event_carries_the_status_code_and_message_GetTask_reports()
    {
        // A ZipCrypto archive opened with the wrong password: the task runs and fails with a code.
        var project = "sse-fail-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = _archives.Archive(_archives.Tree(project, files: 3, maxSize: 2_000, seed: 12), "zip-zipcrypto", password: "right-password");
        await silo.Bucket.UploadAsync($"{project}/locked.zip", archive);
        using var http = Client();

        var taskId = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/locked.zip"), silo.Bucket.Uri($"{project}/out/"), password: "wrong-password");
        await using var taskStream = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events");
        var events = await ReadUntilEndedAsync(taskStream, taskId);
        var task = await silo.Client.WaitForTaskAsync(project, taskId);

        var code = task.GetProperty("Code").GetString()!;
        TaskAssert.Failed(task, code);
        Assert.Equal("TaskCreated", events[0].Type);
        var ended = events[^1].Data;
        Assert.Equal("Failed", ended.GetProperty("Status").GetString());
        Assert.Equal(code, ended.GetProperty("Code").GetString());
        Assert.Equal(task.GetProperty("Message").GetString(), ended.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task The_project_stream_also_carries_the_projects_own_update()
    {
        // The project grain publishes to the same project stream as its tasks: a dashboard sees settings change live.
        var project = "sse-proj-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        using var http = Client();
        await using var projectStream = await OpenAsync(http, $"/api/v1/projects/{project}/events");

        (await silo.Client.CallAsync("UpdateProject", new Dictionary<string, string> { ["ProjectName"] = project })).EnsureOk("UpdateProject");
        var updated = await projectStream.NextAsync(Timeout);

        Assert.Equal("ProjectUpdated", updated.Type);
        Assert.Equal(project, updated.Data.GetProperty("ProjectName").GetString());
    }

    [Fact]
    public async Task On_the_embedded_SQLite_store_a_real_tasks_events_arrive_live_and_resume_after_Last_Event_ID()
    {
        // The default deployment: one silo on SQLite (its log is polled, not LISTEN/NOTIFY), the same s3rver bucket.
        await using var embedded = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "sse-embedded" }
            .WithFastTimings()
            .WithS3Bucket(silo.Bucket.Name));
        var credentials = await embedded.ReadCredentialsAsync();
        using var client = new ImmClient(embedded.BaseAddress, credentials);
        var (project, source) = await ProjectWithArchiveAsync("sqlite", client);
        using var http = Client(embedded.BaseAddress, credentials);
        SseEvent created;
        string taskId;
        await using (var first = await OpenAsync(http, $"/api/v1/projects/{project}/events"))
        {
            taskId = await client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/out/"));
            created = await first.NextAsync(Timeout);
        }

        await using var resumed = await OpenAsync(http, $"/api/v1/projects/{project}/events", created.Id);
        var rest = await ReadUntilEndedAsync(resumed, taskId);
        await using var whole = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events");
        var all = await ReadUntilEndedAsync(whole, taskId);
        output.WriteLine($"SQLite: {Describe(created)}, then {string.Join(", ", rest.Select(Describe))}");

        Assert.Equal(("TaskCreated", taskId), (created.Type, created.Data.GetProperty("TaskId").GetString()));
        Assert.Contains(rest, e => e.Type == "TaskProgressed");
        Assert.Equal(all.Select(e => e.Data.GetRawText()), rest.Prepend(created).Select(e => e.Data.GetRawText()));
        Assert.Equal(rest.Select(e => e.Id).Order(), rest.Select(e => e.Id));
        Assert.All(rest, e => Assert.True(e.Id > created.Id));
        TaskAssert.Succeeded(await client.WaitForTaskAsync(project, taskId));
        Assert.Equal("Succeeded", rest[^1].Data.GetProperty("Status").GetString());
    }

    public void Dispose() => _archives.Dispose();

    private static string Describe(SseEvent e) =>
        e.Type == "TaskProgressed" ? $"{e.Id}:{e.Data.GetProperty("Progress").GetInt32()}%" : $"{e.Id}:{e.Type}";

    /// <summary>
    /// A project holding a stored zip of many small random files: its extraction to s3rver takes a few seconds, so
    /// the task reports progress (at most every 500 ms) before it ends.
    /// </summary>
    private async Task<(string Project, string SourceUri)> ProjectWithArchiveAsync(string prefix, ImmClient? client = null)
    {
        var project = $"sse-{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await (client ?? silo.Client).CreateProjectAsync(project);
        var archive = _archives.Archive(_archives.Tree(project, files: 700, maxSize: 30_000, seed: 11), "zip-stored");
        await silo.Bucket.UploadAsync($"{project}/src/many.zip", archive);
        return (project, silo.Bucket.Uri($"{project}/src/many.zip"));
    }

    /// <summary>An SSE client authenticated with a bearer token of the silo's admin key.</summary>
    private HttpClient Client() => Client(silo.Silo.BaseAddress, silo.Credentials);

    private static HttpClient Client(Uri baseAddress, SiloCredentials credentials)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", AccessToken.Issue(credentials.AccessKeyId, credentials.AccessKeySecret, DateTimeOffset.UtcNow.AddHours(1)));
        return http;
    }

    private static async Task<SseClient> OpenAsync(HttpClient http, string path, long? lastEventId = null)
    {
        var sse = await SseClient.OpenAsync(http, path, lastEventId);
        Assert.Equal(HttpStatusCode.OK, sse.Response.StatusCode);
        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType?.MediaType);
        return sse;
    }

    /// <summary>Events of <paramref name="taskId"/> up to and including its TaskEnded (any other event fails the test).</summary>
    private static async Task<List<SseEvent>> ReadUntilEndedAsync(SseClient sse, string taskId)
    {
        var events = new List<SseEvent>();
        while (events.Count == 0 || events[^1].Type != "TaskEnded")
        {
            var e = await sse.NextAsync(Timeout);
            Assert.True(e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("TaskId", out var id) && id.GetString() == taskId,
                $"unexpected event {e.Id} {e.Type}: {e.Data}");
            events.Add(e);
        }

        return events;
    }
}
