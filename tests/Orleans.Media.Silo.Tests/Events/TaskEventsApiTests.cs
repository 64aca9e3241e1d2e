using System.Net;
using System.Text.Json;
using Orleans.Media.Silo.Events;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>Live progress over HTTP: server-sent events from the durable log, on a real silo (Kestrel + PostgreSQL).</summary>
public sealed class TaskEventsApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private EventsTestHost _host = null!;

    public async Task InitializeAsync() => _host = await EventsTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string NewTaskId() => "FileUncompression-" + Guid.NewGuid().ToString("D");

    private ITaskEventSourceGrain Task(string id) => _host.Grains.GetGrain<ITaskEventSourceGrain>(id);

    private static int Progress(SseEvent e) => e.Data.GetProperty("Progress").GetInt32();

    [Fact]
    public async Task A_tasks_events_arrive_in_order_from_its_first_event_with_log_positions_as_ids()
    {
        var taskId = NewTaskId();
        var other = NewTaskId();
        await Task(taskId).Created("alpha");
        await Task(taskId).Progressed("alpha", 10);
        await Task(other).Created("alpha"); // Same project, another task: not in this stream.
        using var http = _host.Client(_host.AlphaToken);
        await using var sse = await SseClient.OpenAsync(http, $"/api/v1/projects/alpha/tasks/{taskId}/events");

        Assert.Equal(HttpStatusCode.OK, sse.Response.StatusCode);
        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType?.MediaType);
        var early = await sse.TakeAsync(2, Timeout);
        for (var p = 20; p <= 90; p += 10)
        {
            await Task(taskId).Progressed("alpha", p);
        }
        await Task(taskId).Ended("alpha", "Succeeded");
        var live = await sse.TakeAsync(9, Timeout);
        var events = early.Concat(live).ToList();

        Assert.Equal(["TaskCreated", .. Enumerable.Repeat("TaskProgressed", 9), "TaskEnded"], events.Select(e => e.Type));
        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90], events.Where(e => e.Type == "TaskProgressed").Select(Progress));
        Assert.All(events, e => Assert.Equal(taskId, e.Data.GetProperty("TaskId").GetString()));
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.Equal("Succeeded", events[^1].Data.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_resumes_without_loss_or_duplicate()
    {
        var taskId = NewTaskId();
        await Task(taskId).Created("alpha");
        for (var p = 1; p <= 4; p++)
        {
            await Task(taskId).Progressed("alpha", p);
        }
        using var http = _host.Client(_host.AlphaToken);
        IReadOnlyList<SseEvent> first;
        await using (var sse = await SseClient.OpenAsync(http, $"/api/v1/projects/alpha/tasks/{taskId}/events"))
        {
            first = await sse.TakeAsync(3, Timeout); // Created, 1, 2 — then the client goes away.
        }
        for (var p = 5; p <= 8; p++)
        {
            await Task(taskId).Progressed("alpha", p);
        }
        await Task(taskId).Ended("alpha", "Succeeded");

        await using var resumed = await SseClient.OpenAsync(http, $"/api/v1/projects/alpha/tasks/{taskId}/events", lastEventId: first[^1].Id);
        var rest = await resumed.TakeAsync(7, Timeout);
        await resumed.ExpectOnlyHeartbeatsAsync(2, Timeout); // And nothing after the last one.

        Assert.Equal([1, 2], first.Skip(1).Select(Progress));
        Assert.Equal([3, 4, 5, 6, 7, 8], rest.Take(6).Select(Progress));
        Assert.Equal("TaskEnded", rest[^1].Type);
        Assert.All(rest, e => Assert.True(e.Id > first[^1].Id));
        Assert.Equal(first.Concat(rest).Select(e => e.Id).Distinct().Count(), first.Count + rest.Count);
    }

    [Fact]
    public async Task The_project_stream_is_live_and_carries_every_task_of_that_project_only()
    {
        var a = NewTaskId();
        var b = NewTaskId();
        var elsewhere = NewTaskId();
        await Task(a).Created("alpha"); // Before the client connects: not replayed on a live stream.
        using var http = _host.Client(_host.AlphaToken);
        await using var sse = await SseClient.OpenAsync(http, "/api/v1/projects/alpha/events");
        await sse.ExpectOnlyHeartbeatsAsync(1, Timeout); // The stream is open and positioned at the log's end.

        await Task(a).Progressed("alpha", 50);
        await Task(elsewhere).Created("beta");
        await Task(b).Created("alpha");
        await Task(a).Ended("alpha", "Succeeded");
        await Task(b).Ended("alpha", "Failed");
        var events = await sse.TakeAsync(4, Timeout);

        Assert.Equal([(a, "TaskProgressed"), (b, "TaskCreated"), (a, "TaskEnded"), (b, "TaskEnded")],
            events.Select(e => (e.Data.GetProperty("TaskId").GetString(), e.Type)));
        Assert.All(events, e => Assert.Equal("alpha", e.Data.GetProperty("ProjectName").GetString()));
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
    }

    [Fact]
    public async Task The_stream_ends_on_the_server_when_the_client_goes_away()
    {
        var taskId = NewTaskId();
        await Task(taskId).Created("alpha");
        using var http = _host.Client(_host.AlphaToken);
        var sse = await SseClient.OpenAsync(http, $"/api/v1/projects/alpha/tasks/{taskId}/events");
        var created = await sse.NextAsync(Timeout);

        await sse.DisposeAsync();
        var closed = await _host.Logs.WaitForAsync(l => l.EventId.Id == 4201 && l.Message.Contains(taskId, StringComparison.Ordinal), Timeout);

        Assert.Contains($"after position {created.Id} (1 events sent)", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_stream_sends_heartbeat_comments()
    {
        using var http = _host.Client(_host.AlphaToken);
        await using var sse = await SseClient.OpenAsync(http, $"/api/v1/projects/alpha/tasks/{NewTaskId()}/events");

        await sse.ExpectOnlyHeartbeatsAsync(3, TimeSpan.FromSeconds(5));

        Assert.Equal(3, sse.Heartbeats);
    }

    [Theory]
    [InlineData("HeartbeatInterval", "00:00:00.010")]
    [InlineData("BatchSize", "0")]
    [InlineData("ClientRetry", "-00:00:01")]
    public async Task A_silo_with_invalid_event_settings_refuses_to_start(string setting, string value)
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => EventsTestHost.StartAsync(new Dictionary<string, string?> { [TaskEventsOptions.Section + ":" + setting] = value }));

        Assert.Contains(TaskEventsOptions.Section + ":" + setting, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streams_are_authenticated_and_authorized_per_project()
    {
        var taskId = NewTaskId();
        await Task(taskId).Created("beta");
        using var anonymous = _host.Client(null);
        using var alpha = _host.Client(_host.AlphaToken);
        using var forged = _host.Client(_host.AlphaToken[..^2] + (_host.AlphaToken[^2..] == "AA" ? "BB" : "AA"));

        using var noAuth = await anonymous.GetAsync($"/api/v1/projects/beta/tasks/{taskId}/events");
        using var badToken = await forged.GetAsync($"/api/v1/projects/alpha/events");
        using var otherProject = await alpha.GetAsync($"/api/v1/projects/beta/tasks/{taskId}/events");
        using var otherProjectStream = await alpha.GetAsync("/api/v1/projects/beta/events");

        Assert.Equal(HttpStatusCode.Unauthorized, noAuth.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherProject.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherProjectStream.StatusCode);
        using var body = JsonDocument.Parse(await otherProject.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("Code").GetString()));
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("RequestId").GetString()));
    }

    [Fact]
    public async Task A_task_of_another_project_shows_nothing_through_a_project_the_key_may_read()
    {
        var taskId = NewTaskId();
        await Task(taskId).Created("beta");
        await Task(taskId).Progressed("beta", 40);
        using var alpha = _host.Client(_host.AlphaToken);

        await using var sse = await SseClient.OpenAsync(alpha, $"/api/v1/projects/alpha/tasks/{taskId}/events");

        Assert.Equal(HttpStatusCode.OK, sse.Response.StatusCode);
        await sse.ExpectOnlyHeartbeatsAsync(2, Timeout);
    }

    [Fact]
    public async Task A_malformed_Last_Event_ID_is_an_invalid_argument()
    {
        using var http = _host.Client(_host.AlphaToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/projects/alpha/tasks/{NewTaskId()}/events");
        request.Headers.Add("Last-Event-ID", "not-a-position");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("InvalidArgument", body.RootElement.GetProperty("Code").GetString());
    }
}
