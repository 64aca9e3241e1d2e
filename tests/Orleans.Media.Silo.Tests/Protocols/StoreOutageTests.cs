using System.Net;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>When the store goes away, calls are refused with the vendor's retryable 503 (not a 500), the silo keeps
/// running, and it serves again once the store is back.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task A_lost_store_connection_is_ServiceUnavailable_and_the_silo_recovers()
    {
        var options = MediaSilos.Options();
        options.UseTcpProxy = true; // The silo reaches PostgreSQL through a proxy the test can cut.
        await using var cluster = await MediaTestCluster.StartAsync(options);
        var proxy = cluster[0].Proxy!;
        await using var host = await FrontTestHost.StartAsync(new Dictionary<string, string?>(), s => s.UseSilo(cluster[0]));
        host.Operations.Projects["media-1"] = null;
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "media-1" };
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", parameters, host.Admin)));

        proxy.Cut(); // The signed request's nonce cannot be registered in the cluster store now.
        var refused = await host.Http.SendAsync(SignedRequests.V2("GetProject", parameters, host.Admin));
        await ApiAssert.ErrorAsync(refused, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");

        proxy.Restore();
        HttpStatusCode status = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            status = (await host.Http.SendAsync(SignedRequests.V2("GetProject", parameters, host.Admin))).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }
}
