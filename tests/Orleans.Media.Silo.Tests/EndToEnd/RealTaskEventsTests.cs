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
/// name the same streams), in order; a reconnect with Last-Event-ID gets the task's current state (task stream) or
/// the ends it missed (project stream) first, then live events, never a repeat of what it had.
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

        // Created (caught up from the task's state: the stream opened after the creation), then forward-only
        // progress below 100, then the end that GetTask reports; ids are the task's event numbers, increasing.
        Assert.Equal("TaskCreated", events[0].Type);
        Assert.Equal(1, events[0].Sequence);
        Assert.Equal("TaskEnded", events[^1].Type);
        var progress = events[1..^1];
        Assert.NotEmpty(progress);
        Assert.All(progress, e => Assert.Equal("TaskProgressed", e.Type));
        var percents = progress.Select(e => e.Data.GetProperty("Progress").GetInt32()).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(percents.Count, percents.Distinct().Count());
        Assert.All(percents, p => Assert.InRange(p, 1, 99));
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.Sequence).Distinct().Count());
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

        // The project's stream (opened before the task existed) carried every event live, in order: the task stream's
        // events (a catch-up may stand for progress it joined after) are among them, identical and in the same order.
        var fromProject = await ReadUntilEndedAsync(projectStream, taskId);
        Assert.Equal("TaskCreated", fromProject[0].Type);
        Assert.Equal(events[0].Data.GetRawText(), fromProject[0].Data.GetRawText());
        Assert.Equal(events[^1].Data.GetRawText(), fromProject[^1].Data.GetRawText());
        var projectPayloads = fromProject.Select(e => (e.Type, e.Data.GetRawText())).ToList();
        var positions = events.Select(e => projectPayloads.IndexOf((e.Type, e.Data.GetRawText()))).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(fromProject.Select(ProjectTime).Order(), fromProject.Select(ProjectTime));
    }

    [Fact]
    public async Task Reconnecting_to_the_project_stream_with_Last_Event_ID_delivers_the_TaskEnded_it_missed_then_live_events()
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

        // The end the client missed while away comes first (caught up from the task index), exactly once.
        var missed = await resumed.NextAsync(Timeout);
        await using var whole = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events");
        var all = await ReadUntilEndedAsync(whole, taskId);
        output.WriteLine($"before the reconnect: {Describe(created)}; after: {Describe(missed)}");
        Assert.Equal("TaskEnded", missed.Type);
        Assert.Equal(all[^1].Data.GetRawText(), missed.Data.GetRawText());
        Assert.Equal(all[0].Data.GetRawText(), created.Data.GetRawText());
        Assert.True(ProjectTime(missed) >= ProjectTime(created));

        // Then live events only: a second task's creation is the very next event (nothing repeated).
        var next = await silo.Client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/next/"));
        var after = await resumed.NextAsync(Timeout);
        Assert.Equal(("TaskCreated", next), (after.Type, after.Data.GetProperty("TaskId").GetString()));
        Assert.True(ProjectTime(after) >= ProjectTime(missed));
        await silo.Client.WaitForTaskAsync(project, next);
    }

    [Fact]
    public async Task Reconnecting_to_a_task_stream_with_Last_Event_ID_gets_its_current_state_then_live_events_without_repeats()
    {
        var (project, source) = await ProjectWithArchiveAsync("task-resume");
        using var http = Client();
        var taskId = await silo.Client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/out/"));
        SseEvent firstSeen;
        await using (var first = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events"))
        {
            firstSeen = await first.NextAsync(Timeout);
        }

        Assert.Equal(("TaskCreated", "1"), (firstSeen.Type, firstSeen.Id));
        await using var resumed = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events", firstSeen.Id);
        var rest = await ReadUntilEndedAsync(resumed, taskId);
        output.WriteLine($"after the reconnect: {string.Join(", ", rest.Select(Describe))}");

        Assert.DoesNotContain(rest, e => e.Type == "TaskCreated");
        Assert.All(rest, e => Assert.True(e.Sequence > firstSeen.Sequence));
        Assert.Equal(rest.Select(e => e.Sequence).Order(), rest.Select(e => e.Sequence));
        Assert.Equal(rest.Count, rest.Select(e => e.Sequence).Distinct().Count());
        var task = await silo.Client.WaitForTaskAsync(project, taskId);
        TaskAssert.Succeeded(task);
        Assert.Equal("Succeeded", rest[^1].Data.GetProperty("Status").GetString());

        // A client that reconnects after the end gets the end (never a repeat of what it has), and one that saw the end gets nothing more.
        await using (var late = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events", firstSeen.Id))
        {
            var end = await late.NextAsync(Timeout);
            Assert.Equal((rest[^1].Id, rest[^1].Data.GetRawText()), (end.Id, end.Data.GetRawText()));
        }
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
    public async Task On_the_embedded_SQLite_store_a_real_tasks_events_arrive_live_and_a_reconnect_gets_the_end_it_missed()
    {
        // The default deployment: one silo on SQLite, the same s3rver bucket.
        await using var embedded = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "sse-embedded" }
            .WithFastTimings()
            .WithS3Bucket(silo.Bucket.Name));
        var credentials = await embedded.ReadCredentialsAsync();
        using var client = new ImmClient(embedded.BaseAddress, credentials);
        var (project, source) = await ProjectWithArchiveAsync("sqlite", client);
        using var http = Client(embedded.BaseAddress, credentials);
        SseEvent created;
        string taskId;
        List<SseEvent> live;
        await using (var first = await OpenAsync(http, $"/api/v1/projects/{project}/events"))
        {
            taskId = await client.StartTaskAsync(project, source, silo.Bucket.Uri($"{project}/out/"));
            created = await first.NextAsync(Timeout);
            live = [created, await first.NextAsync(Timeout)];
        }

        Assert.Equal(("TaskCreated", taskId), (created.Type, created.Data.GetProperty("TaskId").GetString()));
        Assert.Equal("TaskProgressed", live[1].Type);
        TaskAssert.Succeeded(await client.WaitForTaskAsync(project, taskId));
        await using var resumed = await OpenAsync(http, $"/api/v1/projects/{project}/events", live[1].Id);
        var missed = await resumed.NextAsync(Timeout);
        await using var whole = await OpenAsync(http, $"/api/v1/projects/{project}/tasks/{taskId}/events");
        var all = await ReadUntilEndedAsync(whole, taskId);
        output.WriteLine($"SQLite: {string.Join(", ", live.Select(Describe))}, then {Describe(missed)}");

        Assert.Equal("TaskEnded", missed.Type);
        Assert.Equal(all[^1].Data.GetRawText(), missed.Data.GetRawText());
        Assert.Equal("Succeeded", missed.Data.GetProperty("Status").GetString());
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>The time (Unix ms) a project stream's event id starts with (<c>&lt;ms&gt;:&lt;key&gt;:&lt;sequence&gt;</c>).</summary>
    private static long ProjectTime(SseEvent e) => long.Parse(e.Id.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);

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

    private static async Task<SseClient> OpenAsync(HttpClient http, string path, string? lastEventId = null)
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
