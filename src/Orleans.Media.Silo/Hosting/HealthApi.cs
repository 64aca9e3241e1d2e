using Orleans.Media.Persistence;
using Orleans.Runtime;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: this silo is an Active member of the cluster and reaches its
/// database (a silo that lost the database answers 503, as its API calls do).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        endpoints.MapGet("/readyz", async (IClusterMembershipService membership, ILocalSiloDetails local, MediaDatabase database, CancellationToken ct) =>
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            var store = await PingAsync(database, TimeSpan.FromSeconds(2), ct);
            var ready = status == SiloStatus.Active && store;
            var body = new { status = ready ? "ready" : "not-ready", silo = local.Name, membership = status.ToString(), store = store ? "reachable" : "unreachable" };
            return Results.Json(body, statusCode: ready ? 200 : 503);
        }).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<bool> PingAsync(MediaDatabase database, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await using var connection = await database.OpenAsync(cts.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cts.Token);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
