using System.Net;
using Orleans.Media.Silo.Tests.Protocols;

namespace Orleans.Media.Silo.Tests.Security;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Per_key_bucket_throttles_with_Throttling_User()
    {
        await using var host = await FrontTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimits:PerKeyRequestsPerSecond"] = "1",
            ["Api:RateLimits:PerKeyBurst"] = "3",
        });
        var parameters = new Dictionary<string, string> { ["Prefix"] = "x" };
        var outcomes = new List<HttpStatusCode>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 8; i++)
        {
            var response = await host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, host.Admin));
            if (response.StatusCode == (HttpStatusCode)429)
            {
                var body = await ApiAssert.ErrorAsync(response, (HttpStatusCode)429, "Throttling.User");
                Assert.Contains("access key", body.GetProperty("Message").GetString());
            }

            outcomes.Add(response.StatusCode);
        }

        // The burst of 3 passes; after it, one more per second elapsed at most.
        Assert.All(outcomes.Take(3), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Contains((HttpStatusCode)429, outcomes);
        var ok = outcomes.Count(s => s == HttpStatusCode.OK);
        Assert.True(ok <= 3 + Math.Ceiling(started.Elapsed.TotalSeconds), $"{string.Join(",", outcomes)} in {started.Elapsed}");

        // Another key has its own bucket; throttled calls never reached the handler.
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, host.MediaKey)));
        Assert.Equal(ok + 1, host.Operations.Calls.Count);
    }

    [Fact]
    public async Task Huawei_throttling_is_the_gateways_APIG_0308()
    {
        await using var host = await FrontTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimits:PerKeyRequestsPerSecond"] = "1",
            ["Api:RateLimits:PerKeyBurst"] = "1",
        });
        var statuses = new List<HttpStatusCode>();
        System.Text.Json.JsonElement? refused = null;
        for (var i = 0; i < 3; i++)
        {
            // A distinct body each time: an identical signed request within the same second is a replay.
            var json = $"{{\"file_name\":\"a{i}.mp4\",\"file_type\":\"mp4\",\"asset_id\":\"x\",\"asset_file_category\":\"MAIN\"}}";
            var response = await host.Http.SendAsync(HuaweiRequests.Signed(host, "proj-1", json));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == (HttpStatusCode)429)
            {
                refused = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            }
        }

        Assert.Equal(HttpStatusCode.Created, statuses[0]);
        Assert.True(refused.HasValue, string.Join(",", statuses));
        Assert.Equal("APIG.0308", refused.Value.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Per_project_bucket_is_shared_by_all_keys_and_separate_per_project()
    {
        await using var host = await FrontTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimits:DefaultProjectRequestsPerSecond"] = "1",
        });
        host.Operations.Projects["media-1"] = null;
        host.Operations.Projects["media-2"] = null;
        var p1 = new Dictionary<string, string> { ["ProjectName"] = "media-1" };

        // Alternating keys share the project's bucket: one token now, one more per second (timed, so a slow machine
        // cannot make this flaky).
        var outcomes = new List<HttpStatusCode>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            var response = await host.Http.SendAsync(SignedRequests.V2("GetProject", p1, i % 2 == 0 ? host.Admin : host.MediaKey));
            if (response.StatusCode == (HttpStatusCode)429)
            {
                var body = await ApiAssert.ErrorAsync(response, (HttpStatusCode)429, "Throttling.User");
                Assert.Contains("media-1", body.GetProperty("Message").GetString());
            }

            outcomes.Add(response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, outcomes[0]);
        Assert.Contains((HttpStatusCode)429, outcomes);
        Assert.True(outcomes.Count(s => s == HttpStatusCode.OK) <= 1 + Math.Ceiling(started.Elapsed.TotalSeconds), $"{string.Join(",", outcomes)} in {started.Elapsed}");

        // Another project has its own bucket; the first one refills.
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", new Dictionary<string, string> { ["ProjectName"] = "media-2" }, host.Admin)));
        await Task.Delay(1100);
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", p1, host.Admin)));
    }
}
