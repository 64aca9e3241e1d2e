using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Runtime;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Events;

/// <summary>
/// Live progress as server-sent events, from the task grains' streams in the durable log (named by
/// <see cref="TaskStreams"/>, which the grains publish to):
/// <c>GET /api/v1/projects/{ProjectName}/tasks/{TaskId}/events</c> (the task's stream, from its first event)
/// and <c>GET /api/v1/projects/{ProjectName}/events</c> (the project's stream, from now).
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
                    ServeAsync(http, projectName, TaskStreams.Task(taskId), "imm:GetTask", fromNow: false))
            .WithDisplayName("Task events (SSE)")
            .WithSummary("A task's events (TaskCreated, TaskProgressed, TaskEnded) as text/event-stream; resumable with Last-Event-ID.");
        endpoints.MapGet("/api/v1/projects/{ProjectName}/events",
                (HttpContext http, string projectName) =>
                    ServeAsync(http, projectName, TaskStreams.Project(projectName), "imm:ListTasks", fromNow: true))
            .WithDisplayName("Project events (SSE)")
            .WithSummary("Every task event of a project (and the project's own ProjectUpdated/ProjectDeleted) as text/event-stream, live; resumable with Last-Event-ID.");
        return endpoints;
    }

    private static async Task ServeAsync(HttpContext http, string project, StreamId stream, string permission, bool fromNow)
    {
        var services = http.RequestServices;
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        http.Response.Headers["X-Request-Id"] = requestId;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TaskEventsApi).FullName!);
        var reader = services.GetRequiredService<IStreamReader>();
        ApiPrincipal principal;
        long after;
        try
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["ProjectName"] = project };
            if (stream.Namespace == TaskStreams.TaskNamespace)
            {
                parameters["TaskId"] = stream.Key;
            }
            principal = await services.GetRequiredService<IApiAuthenticator>().AuthenticateAsync(
                new ApiAuthenticationRequest(ApiProtocol.Rest, http.Request, ReadOnlyMemory<byte>.Empty, parameters), http.RequestAborted);
            if (!principal.IsAllowed(permission, project))
            {
                throw SecurityErrors.NoPermission("imm", permission, project);
            }
            services.GetRequiredService<IApiRateLimiter>().Acquire(principal, "imm", project);
            after = ResumePosition(http.Request) ?? (fromNow ? await reader.GetLastPositionAsync(http.RequestAborted) : 0);
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

        EventsLog.Opened(logger, stream.ToString(), principal.AccessKeyId, after);
        var sse = new ServerSentEventStream(reader, services.GetRequiredService<IOptions<TaskEventsOptions>>().Value);
        // A task stream only shows events of the project in the route: a key allowed on one project learns nothing of
        // another project's task by guessing its id.
        var (last, count) = await sse.RunAsync(http.Response, stream, after, e => BelongsTo(e, project), http.RequestAborted);
        EventsLog.Closed(logger, stream.ToString(), last, count);
    }

    private static long? ResumePosition(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"].ToString();
        if (text.Length == 0)
        {
            text = request.Query["lastEventId"].ToString();
        }
        if (text.Length == 0)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
            ? position
            : throw ServiceException.InvalidArgument("The Last-Event-ID header must be an event id sent by this stream.");
    }

    private static bool BelongsTo(StreamEvent e, string project) =>
        e.Payload.ValueKind != JsonValueKind.Object ||
        !e.Payload.TryGetProperty("ProjectName", out var p) ||
        p.ValueKind != JsonValueKind.String ||
        p.ValueEquals(project);
}
