using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>Rates are cluster-wide: each of the N silos serving the API admits 1/N of them.</summary>
public sealed class ClusterRateLimitTests
{
    [Fact]
    public void Only_silos_with_the_api_role_are_counted_and_at_least_this_one()
    {
        // The liveness side (active, not dead, joining or leaving) is Orleans' membership; this counts roles of the active ones.
        Assert.Equal(1, MembershipApiSiloCount.Count([]));
        Assert.Equal(1, MembershipApiSiloCount.Count(["worker"]));
        Assert.Equal(3, MembershipApiSiloCount.Count(["api,worker", "api", "worker", "worker,api", "apis"]));
        Assert.Equal(1, MembershipApiSiloCount.Count([null])); // A silo without roles metadata serves the API (the default roles).
    }

    [Fact]
    public async Task Two_api_silos_each_admit_half_of_a_project_rate_and_one_alone_admits_all()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Api:RateLimits:DefaultProjectRequestsPerSecond"] = "4",
            ["Api:RateLimits:SiloCountRefresh"] = "00:00:00.100",
        };
        // Silo 0 serves the API and works, silo 1 only works (not counted), silo 2 (added below) only serves the API.
        string[][] roles = [[SiloOptions.ApiRole, SiloOptions.WorkerRole], [SiloOptions.WorkerRole], [SiloOptions.ApiRole]];
        await using var cluster = await MediaTestCluster.StartAsync(MediaSilos.Options(initialSilos: 2, roles: i => roles[i]));
        await using var first = await FrontTestHost.StartAsync(settings, s => s.UseSilo(cluster[0]));
        first.Operations.Projects["media-1"] = null;
        var count = first.Services.GetRequiredService<IApiSiloCount>();
        Assert.IsType<MembershipApiSiloCount>(count);
        await cluster.WaitForMembershipAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, count.Current); // The worker-only silo takes no share.
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "media-1" };
        var second = await cluster.AddSiloAsync();
        await using (var secondFront = await FrontTestHost.StartAsync(settings, s => s.UseSilo(second)))
        {
            await WaitForAsync(() => count.Current == 2);

            // A burst against one silo: its share is 2 of the project's 4 per second.
            var outcomes = await BurstAsync(first, parameters, 4);
            Assert.Equal(HttpStatusCode.OK, outcomes[0]);
            Assert.Equal(HttpStatusCode.OK, outcomes[1]);
            Assert.Contains((HttpStatusCode)429, outcomes);
            Assert.True(outcomes.Count(s => s == HttpStatusCode.OK) <= 3, string.Join(",", outcomes));
        }

        // The second API silo left the cluster: the first takes the whole rate again.
        await cluster.StopSiloAsync(second.Index);
        await WaitForAsync(() => count.Current == 1);
        await Task.Delay(1100); // The bucket refills with time only: a second of it after the burst above.
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
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "the API silo count did not reach the expected value within 30 s");
    }
}
