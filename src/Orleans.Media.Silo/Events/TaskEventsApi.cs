using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Tasks;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Events;

/// <summary>
/// Live progress as server-sent events, from the project's Orleans stream (named by <see cref="TaskStreams"/>,
/// which the grains publish to), each client first caught up from stored state:
/// <c>GET /api/v1/projects/{ProjectName}/tasks/{TaskId}/events</c> (the task's events, from its first)
/// and <c>GET /api/v1/projects/{ProjectName}/events</c> (the project's, from now).
/// Either resumes after the <c>Last-Event-ID</c> header (or <c>?lastEventId=</c>). Authenticated like the REST API
/// (<c>Authorization: Bearer &lt;token&gt;</c> or a V3 signature) and authorized as <c>imm:GetTask</c> /
/// <c>imm:ListTasks</c> on the project; refusals are the REST error body.
/// </summary>
public static class TaskEventsApi
{
    public static IEndpointRouteBuilder MapTaskEventsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/projects/{ProjectName}/tasks/{TaskId}/events",
                (HttpContext http, string projectName, string taskId) =>
                    ServeAsync(http, projectName, taskId, "imm:GetTask"))
            .WithDisplayName("Task events (SSE)")
            .WithSummary("A task's events (TaskCreated, TaskProgressed, TaskEnded) as text/event-stream; resumable with Last-Event-ID.");
        endpoints.MapGet("/api/v1/projects/{ProjectName}/events",
                (HttpContext http, string projectName) =>
                    ServeAsync(http, projectName, taskId: null, "imm:ListTasks"))
            .WithDisplayName("Project events (SSE)")
            .WithSummary("Every task event of a project (and the project's own ProjectUpdated/ProjectDeleted) as text/event-stream, live; resumable with Last-Event-ID.");
        return endpoints;
    }

    /// <param name="taskId">The task whose events are served; null for every event of the project.</param>
    private static async Task ServeAsync(HttpContext http, string project, string? taskId, string permission)
    {
        var stream = TaskStreams.Project(project);
        var services = http.RequestServices;
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        http.Response.Headers["X-Request-Id"] = requestId;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TaskEventsApi).FullName!);
        ApiPrincipal principal;
        string? lastEventId;
        try
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["ProjectName"] = project };
            if (taskId is not null)
            {
                parameters["TaskId"] = taskId;
            }

            principal = await services.GetRequiredService<IApiAuthenticator>().AuthenticateAsync(
                new ApiAuthenticationRequest(ApiProtocol.Rest, http.Request, ReadOnlyMemory<byte>.Empty, parameters), http.RequestAborted);
            if (!principal.IsAllowed(permission, project))
            {
                throw SecurityErrors.NoPermission("imm", permission, project);
            }

            services.GetRequiredService<IApiRateLimiter>().Acquire(principal, "imm", project);
            lastEventId = LastEventId(http.Request);
            if (lastEventId is not null && (taskId is not null ? ParseTaskId(lastEventId) is null : ParseProjectId(lastEventId) is null))
            {
                throw ServiceException.InvalidArgument("The Last-Event-ID header must be an event id sent by this stream.");
            }
        }
        catch (ServiceException e)
        {
            var hostId = services.GetRequiredService<IOptions<ApiOptions>>().Value.HostId;
            await ApiResponseWriter.WriteErrorAsync(http, ApiProtocol.Rest, requestId, e, hostId);
            return;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var sse = new ServerSentEventStream(services.GetRequiredService<IOptions<TaskEventsOptions>>().Value);
        var orleans = services.GetRequiredService<IClusterClient>();
        var events = orleans.GetStreamProvider(MediaProviders.Streams).GetStream<LiveEvent>(stream);
        var name = taskId is null ? stream.ToString() : $"{stream}/{taskId}";
        EventsLog.Opened(logger, name, principal.AccessKeyId, lastEventId);
        var (last, count) = taskId is not null
            ? await ServeTaskAsync(http, sse, events, orleans, project, taskId, lastEventId is null ? 0 : ParseTaskId(lastEventId)!.Value)
            : await ServeProjectAsync(http, sse, events, services, project, lastEventId);
        EventsLog.Closed(logger, name, last, count);
    }

    /// <summary>
    /// A task's events (the project's stream, filtered on the task): ids are the task's event sequence numbers. The client first gets what it misses from the
    /// task's state (TaskCreated, then its latest progress or its end), then live events; a task of another project
    /// shows nothing, so a key allowed on one project learns nothing of another project's task by guessing its id.
    /// </summary>
    private static Task<(string?, long)> ServeTaskAsync(
        HttpContext http, ServerSentEventStream sse, IAsyncStream<LiveEvent> events, IGrainFactory grains, string project, string taskId, long lastSeen)
    {
        var caughtUp = lastSeen;
        return sse.RunAsync(
            http.Response,
            events,
            async () =>
            {
                var state = taskId.StartsWith(FileUncompressionTaskState.TaskType + "-", StringComparison.Ordinal)
                    ? await grains.GetGrain<IFileUncompressionTaskGrain>(taskId).Get()
                    : null;
                if (state is not { Exists: true } || state.ProjectName != project)
                {
                    return [];
                }

                var missing = FileUncompressionTransitions.CatchUp(state, lastSeen)
                    .Select(c => new LiveEvent(c.Event.GetType().Name, taskId, c.Sequence, c.Event.Time.ToUnixTimeMilliseconds(),
                        JsonSerializer.Serialize(c.Event, c.Event.GetType(), MediaJson.Options)))
                    .ToList();
                caughtUp = Math.Max(lastSeen, state.EventSequence);
                return missing;
            },
            e => e.Key == taskId && e.Sequence > caughtUp && e.Type.StartsWith("Task", StringComparison.Ordinal),
            e => e.Sequence.ToString(CultureInfo.InvariantCulture),
            http.RequestAborted);
    }

    /// <summary>
    /// A project's stream, live from now: ids are <c>&lt;time ms&gt;:&lt;key&gt;:&lt;sequence&gt;</c>. A client that
    /// reconnects with the last id it got first receives the TaskEnded of every task of the project that ended since
    /// (from the task index), so it never misses an end; progress in the gap is not replayed (the next live event,
    /// or the task's own stream, carries it).
    /// </summary>
    private static Task<(string?, long)> ServeProjectAsync(
        HttpContext http, ServerSentEventStream sse, IAsyncStream<LiveEvent> events, IServiceProvider services, string project, string? lastEventId)
    {
        // Per task, the last event sequence the client has (its Last-Event-ID, the catch-up, what was sent since): the
        // stream may still deliver events published before this subscription (a TaskEnded the catch-up sent, a
        // progress older than it); a task's events only move forward, and each is sent once. (The project's own
        // events are not tasks' and pass.)
        var sent = new Dictionary<string, long>(StringComparer.Ordinal);

        // "From now": the stream may also deliver events raised just before this subscription (a ProjectCreated a
        // moment ago); live events older than the connection are not sent (silos' clocks are assumed in step).
        var connectedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        bool Advance(LiveEvent e)
        {
            if (!e.Type.StartsWith("Task", StringComparison.Ordinal))
            {
                return true;
            }

            if (sent.TryGetValue(e.Key, out var seen) && e.Sequence <= seen)
            {
                return false;
            }

            sent[e.Key] = e.Sequence;
            return true;
        }

        return sse.RunAsync(
            http.Response,
            events,
            async () =>
            {
                if (lastEventId is null || ParseProjectId(lastEventId) is not { } since)
                {
                    return [];
                }

                var last = lastEventId.Split(':');
                sent[last[1]] = long.Parse(last[2], CultureInfo.InvariantCulture);

                var ended = new List<LiveEvent>();
                var query = services.GetRequiredService<IGrainStateQuery>();
                string? page = null;
                do
                {
                    var result = await query.QueryAsync<FileUncompressionTaskState>(new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
                    {
                        Partition = project,
                        Filters =
                        [
                            StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
                            StateFilter.Gte(nameof(FileUncompressionTaskState.EndTimeMs), since),
                        ],
                        OrderBy = nameof(FileUncompressionTaskState.EndTimeMs),
                        OrderByKind = StateValueKind.Number,
                        PageToken = page,
                        Limit = 1000,
                    }, http.RequestAborted);
                    foreach (var t in result.Items.Select(i => i.State))
                    {
                        var end = new TaskEnded(t.ProjectName, t.TaskId, t.Type, t.LastEventTime, t.Status, t.Code, t.Message);
                        var e = new LiveEvent(nameof(TaskEnded), t.TaskId, t.EventSequence, end.Time.ToUnixTimeMilliseconds(),
                            JsonSerializer.Serialize(end, MediaJson.Options));
                        if (Advance(e))
                        {
                            ended.Add(e);
                        }
                    }

                    page = result.NextPageToken;
                }
                while (page is not null);
                return ended;
            },
            e => e.TimeMs >= connectedAtMs && Advance(e),
            ProjectId,
            http.RequestAborted);
    }

    private static string ProjectId(LiveEvent e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.TimeMs}:{e.Key}:{e.Sequence}");

    private static long? ParseTaskId(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The time (Unix ms) of a project stream's event id.</summary>
    private static long? ParseProjectId(string id)
    {
        var parts = id.Split(':');
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? ms
            : null;
    }

    private static string? LastEventId(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].ToString();
        if (text.Length == 0)
        {
            text = request.Query["lastEventId"].ToString();
        }

        return text.Length == 0 ? null : text;
    }
}
