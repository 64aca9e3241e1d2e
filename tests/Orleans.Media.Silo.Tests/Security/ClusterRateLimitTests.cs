using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Runtime;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>Rates are cluster-wide: each of the N silos serving the API admits 1/N of them.</summary>
public sealed class ClusterRateLimitTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-21T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Only_active_api_silos_with_a_fresh_heartbeat_are_counted()
    {
        SiloInfo Silo(string name, SiloStatus status, string roles, double secondsAgo) =>
            new(name, name, null, roles.Split(','), Now.AddHours(-1), Now.AddSeconds(-secondsAgo), status);

        Assert.Equal(1, MembershipApiSiloCount.Count([]));
        Assert.Equal(1, MembershipApiSiloCount.Count([Silo("w", SiloStatus.Active, "worker", 0)]));
        Assert.Equal(3, MembershipApiSiloCount.Count(
        [
            Silo("a", SiloStatus.Active, "api,worker", 0),
            Silo("b", SiloStatus.Active, "api", 1),
            Silo("c", SiloStatus.Active, "api", 9),
            Silo("stale", SiloStatus.Active, "api", 25), // crashed: not yet declared dead, but no longer counted
            Silo("dead", SiloStatus.Dead, "api", 0),
            Silo("leaving", SiloStatus.ShuttingDown, "api", 0),
            Silo("joining", SiloStatus.Joining, "api", 0),
            Silo("worker", SiloStatus.Active, "worker", 0),
        ]));
    }

    [Fact]
    public async Task Two_api_silos_each_admit_half_of_a_project_rate_and_one_alone_admits_all()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Api:RateLimits:DefaultProjectRequestsPerSecond"] = "4",
            ["Api:RateLimits:SiloCountRefresh"] = "00:00:00.100",
        };
        Action<IServiceCollection> cluster(string name) => s => FrontTestHost.AddApiRuntime(s, name, db.ConnectionString);

        await using var first = await FrontTestHost.StartAsync(settings, cluster("rate-a"));
        first.Operations.Projects["media-1"] = null;
        var count = first.Services.GetRequiredService<IApiSiloCount>();
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "media-1" };
        await using (var second = await FrontTestHost.StartAsync(settings, cluster("rate-b")))
        {
            await WaitForAsync(() => count.Current == 2);

            // A burst against one silo: its share is 2 of the project's 4 per second.
            var outcomes = await BurstAsync(first, parameters, 4);
            Assert.Equal(HttpStatusCode.OK, outcomes[0]);
            Assert.Equal(HttpStatusCode.OK, outcomes[1]);
            Assert.Contains((HttpStatusCode)429, outcomes);
            Assert.True(outcomes.Count(s => s == HttpStatusCode.OK) <= 3, string.Join(",", outcomes));
        }

        // The second silo left (its membership row says so): the first takes the whole rate again.
        await WaitForAsync(() => count.Current == 1);
        await Task.Delay(1100); // refilled after the burst above
        var alone = await BurstAsync(first, parameters, 4);
        Assert.All(alone, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    private static async Task<List<HttpStatusCode>> BurstAsync(FrontTestHost host, Dictionary<string, string> parameters, int count)
    {
        var requests = Enumerable.Range(0, count).Select(_ => SignedRequests.V2("GetProject", parameters, host.Admin)).ToList();
        var outcomes = new List<HttpStatusCode>();
        foreach (var request in requests)
        {
            outcomes.Add((await host.Http.SendAsync(request)).StatusCode);
        }

        return outcomes;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "the API silo count did not reach the expected value within 10 s");
    }
}
