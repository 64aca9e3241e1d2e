using System.Net;
using System.Text.Json;
using Orleans.Media.Silo.Events;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>
/// Live progress over HTTP: server-sent events from the task grains' Orleans streams, each client first caught up from
/// the task's state, on a real silo (Kestrel + an in-process Orleans silo on PostgreSQL). A task stream's ids are the
/// task's event sequence numbers; a project stream's are <c>&lt;time ms&gt;:&lt;TaskId&gt;:&lt;sequence&gt;</c>.
/// </summary>
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
    public async Task A_tasks_events_arrive_in_order_from_its_first_event_with_its_event_sequence_numbers_as_ids()
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
        var early = await sse.TakeAsync(2, Timeout); // Caught up from the state: created, then progress 10.
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
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal("Succeeded", events[^1].Data.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_catches_up_to_the_current_state_without_duplicates_and_never_misses_the_end()
    {
        var taskId = NewTaskId();
        var path = $"/api/v1/projects/alpha/tasks/{taskId}/events";
        await Task(taskId).Created("alpha");
        for (var p = 1; p <= 4; p++)
        {
            await Task(taskId).Progressed("alpha", p);
        }
        using var http = _host.Client(_host.AlphaToken);
        IReadOnlyList<SseEvent> first;
        await using (var sse = await SseClient.OpenAsync(http, path))
        {
            first = await sse.TakeAsync(2, Timeout); // Created, then the latest progress (4) — then the client goes away.
        }
        for (var p = 5; p <= 8; p++)
        {
            await Task(taskId).Progressed("alpha", p);
        }

        // Back while the task runs: the current progress first, then live events to the end.
        IReadOnlyList<SseEvent> second;
        await using (var resumed = await SseClient.OpenAsync(http, path, lastEventId: first[^1].Id))
        {
            var current = await resumed.NextAsync(Timeout);
            await Task(taskId).Ended("alpha", "Succeeded");
            second = [current, await resumed.NextAsync(Timeout)];
            await resumed.ExpectOnlyHeartbeatsAsync(2, Timeout); // And nothing after the end.
        }

        // Back after the end, having missed it: the end. Having seen it: nothing.
        await using var afterEnd = await SseClient.OpenAsync(http, path, lastEventId: second[0].Id);
        var end = await afterEnd.NextAsync(Timeout);
        await afterEnd.ExpectOnlyHeartbeatsAsync(2, Timeout);
        await using var done = await SseClient.OpenAsync(http, path, lastEventId: end.Id);
        await done.ExpectOnlyHeartbeatsAsync(2, Timeout);

        Assert.Equal(["TaskCreated", "TaskProgressed"], first.Select(e => e.Type));
        Assert.Equal([1L, 5L], first.Select(e => e.Sequence));
        Assert.Equal(4, Progress(first[1]));
        Assert.Equal(["TaskProgressed", "TaskEnded"], second.Select(e => e.Type));
        Assert.Equal([9L, 10L], second.Select(e => e.Sequence));
        Assert.Equal(8, Progress(second[0]));
        Assert.Equal(("TaskEnded", 10L), (end.Type, end.Sequence));
        Assert.Equal("Succeeded", end.Data.GetProperty("Status").GetString());
        Assert.Equal(second[1].Data.GetProperty("Time").GetString(), end.Data.GetProperty("Time").GetString()); // The same end, from the state.
    }

    [Fact]
    public async Task The_project_stream_is_live_and_carries_every_task_of_that_project_only()
    {
        var a = NewTaskId();
        var b = NewTaskId();
        var elsewhere = NewTaskId();
        using var http = _host.Client(_host.AlphaToken);
        await using (var earlier = await SseClient.OpenAsync(http, "/api/v1/projects/alpha/events"))
        {
            await Task(a).Created("alpha"); // Before the client connects (delivered to an earlier one): not replayed on a live stream.
            var created = await earlier.NextAsync(Timeout);
            Assert.Equal((a, "TaskCreated"), (created.Data.GetProperty("TaskId").GetString(), created.Type));
        }
        await using var sse = await SseClient.OpenAsync(http, "/api/v1/projects/alpha/events");
        await sse.ExpectOnlyHeartbeatsAsync(1, Timeout); // The stream is open and live: nothing from before.

        await Task(a).Progressed("alpha", 50);
        await Task(elsewhere).Created("beta");
        await Task(b).Created("alpha");
        await Task(a).Ended("alpha", "Succeeded");
        await Task(b).Ended("alpha", "Failed");
        var events = await sse.TakeAsync(4, Timeout);

        Assert.Equal([(a, "TaskProgressed"), (b, "TaskCreated"), (a, "TaskEnded"), (b, "TaskEnded")],
            events.Select(e => (e.Data.GetProperty("TaskId").GetString(), e.Type)));
        Assert.All(events, e => Assert.Equal("alpha", e.Data.GetProperty("ProjectName").GetString()));
        // Ids name the event: its time, its task and the task's sequence number.
        Assert.Equal([$"{a}:2", $"{b}:1", $"{a}:3", $"{b}:2"], events.Select(e => e.Id[(e.Id.IndexOf(':') + 1)..]));
        var times = events.Select(e => long.Parse(e.Id[..e.Id.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.All(events.Zip(times), x => Assert.Equal(x.Second, DateTimeOffset.Parse(x.First.Data.GetProperty("Time").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()));
    }

    [Fact]
    public async Task A_project_stream_client_that_reconnects_gets_the_ends_it_missed()
    {
        var a = NewTaskId();
        var b = NewTaskId();
        using var http = _host.Client(_host.AlphaToken);
        await using (var earlier = await SseClient.OpenAsync(http, "/api/v1/projects/alpha/events"))
        {
            // Both creations delivered (to an earlier client) before the tested client connects: it sees them not.
            await Task(a).Created("alpha");
            await Task(b).Created("alpha");
            await earlier.TakeAsync(2, Timeout);
        }
        SseEvent seen;
        await using (var sse = await SseClient.OpenAsync(http, "/api/v1/projects/alpha/events"))
        {
            await sse.ExpectOnlyHeartbeatsAsync(1, Timeout);
            await Task(a).Ended("alpha", "Succeeded");
            seen = await sse.NextAsync(Timeout);
        }
        await Task(b).Progressed("alpha", 30);
        await Task(b).Ended("alpha", "Failed"); // While the client is away.

        await using var resumed = await SseClient.OpenAsync(http, "/api/v1/projects/alpha/events", lastEventId: seen.Id);
        var missed = await resumed.NextAsync(Timeout);
        await resumed.ExpectOnlyHeartbeatsAsync(2, Timeout); // Not a's end again, nor the progress in the gap.

        Assert.Equal((a, "TaskEnded"), (seen.Data.GetProperty("TaskId").GetString(), seen.Type));
        Assert.Equal((b, "TaskEnded", "Failed"), (missed.Data.GetProperty("TaskId").GetString(), missed.Type, missed.Data.GetProperty("Status").GetString()));
        Assert.EndsWith($":{b}:3", missed.Id, StringComparison.Ordinal);
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
