using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: this silo is an active member whose heartbeat reached the
/// store within its lease (a fenced silo — store unreachable — answers 503).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        endpoints.MapGet("/readyz", (IClusterMembership membership) =>
        {
            var body = new
            {
                status = membership.IsReady ? "ready" : "not-ready",
                silo = membership.LocalSiloName,
                membership = membership.LocalStatus.ToString(),
                fenced = membership.IsFenced,
            };
            return Results.Json(body, statusCode: membership.IsReady ? 200 : 503);
        }).ExcludeFromDescription();
        return endpoints;
    }
}
