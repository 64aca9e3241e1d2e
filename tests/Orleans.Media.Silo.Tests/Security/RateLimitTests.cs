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
        for (var i = 0; i < 3; i++)
        {
            await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, host.Admin)));
        }

        var body = await ApiAssert.ErrorAsync(await host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, host.Admin)), (HttpStatusCode)429, "Throttling.User");
        Assert.Contains("access key", body.GetProperty("Message").GetString());
        // Another key has its own bucket.
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, host.MediaKey)));
        Assert.Equal(4, host.Operations.Calls.Count);
    }

    [Fact]
    public async Task Per_project_bucket_is_shared_by_all_keys_and_separate_per_project()
    {
        await using var host = await FrontTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Api:RateLimits:DefaultProjectRequestsPerSecond"] = "2",
        });
        host.Operations.Projects["media-1"] = null;
        host.Operations.Projects["media-2"] = null;
        var p1 = new Dictionary<string, string> { ["ProjectName"] = "media-1" };
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", p1, host.Admin)));
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", p1, host.MediaKey)));
        var body = await ApiAssert.ErrorAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", p1, host.Admin)), (HttpStatusCode)429, "Throttling.User");
        Assert.Contains("media-1", body.GetProperty("Message").GetString());
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", new Dictionary<string, string> { ["ProjectName"] = "media-2" }, host.Admin)));
        // Refills: one token back after half a second at 2/s.
        await Task.Delay(600);
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", p1, host.Admin)));
    }
}
