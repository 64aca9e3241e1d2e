using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Runtime;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>When the store goes away, calls are refused with the vendor's retryable 503 (not a 500), the silo keeps
/// running, and it serves again once the store is back.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task A_lost_store_connection_is_ServiceUnavailable_and_the_silo_recovers()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var target = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        await using var proxy = TcpProxy.Start(target.Host!, target.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Pooling = true }.ConnectionString;
        await using var host = await FrontTestHost.StartAsync(
            new Dictionary<string, string?>(),
            s => FrontTestHost.AddApiRuntime(s, "outage", viaProxy).AddGrain<IProjectGrain, ProjectGrain>());
        host.Operations.Projects["media-1"] = null;
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "media-1" };
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", parameters, host.Admin)));

        proxy.Cut();
        var refused = await host.Http.SendAsync(SignedRequests.V2("GetProject", parameters, host.Admin));
        await ApiAssert.ErrorAsync(refused, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");

        proxy.Restore();
        HttpStatusCode status = 0;
        for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            status = (await host.Http.SendAsync(SignedRequests.V2("GetProject", parameters, host.Admin))).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }
}
