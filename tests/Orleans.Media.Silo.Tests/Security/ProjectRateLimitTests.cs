using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>A project's own request rate (its grain's <c>Limits.QueriesPerSecond</c>) replaces the default.</summary>
public sealed class ProjectRateLimitTests
{
    [Fact]
    public async Task The_project_setting_applies_to_every_key()
    {
        await using var cluster = await MediaTestCluster.StartAsync(MediaSilos.Options());
        await using var host = await FrontTestHost.StartAsync(
            new Dictionary<string, string?> { ["Api:RateLimits:DefaultProjectRequestsPerSecond"] = "1000" },
            s => s.UseSilo(cluster[0]));
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IProjectGrain>("media-slow").Create(new ProjectSettings { Limits = ProjectLimits.Default with { QueriesPerSecond = 1 } });
        host.Operations.Projects["media-slow"] = null;
        host.Operations.Projects["media-fast"] = null;
        var limits = host.Services.GetRequiredService<IProjectRateLimits>();
        Assert.IsType<ProjectGrainRateLimits>(limits);

        // The first request starts the background read; it completes within a moment.
        var slow = new Dictionary<string, string> { ["ProjectName"] = "media-slow" };
        await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", slow, host.Admin)));
        for (var i = 0; i < 600 && limits.RequestsPerSecond("media-slow") != 1; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, limits.RequestsPerSecond("media-slow"));
        Assert.Null(limits.RequestsPerSecond("media-fast")); // not a project grain: the default

        // Alternating keys share the project's bucket: one token now, one more per second.
        var outcomes = new List<HttpStatusCode>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 8; i++)
        {
            var key = i % 2 == 0 ? host.Admin : host.MediaKey;
            outcomes.Add((await host.Http.SendAsync(SignedRequests.V2("GetProject", slow, key))).StatusCode);
        }

        var allowed = 1 + Math.Ceiling(started.Elapsed.TotalSeconds);
        Assert.Contains((HttpStatusCode)429, outcomes);
        Assert.True(outcomes.Count(s => s == HttpStatusCode.OK) <= allowed, $"{string.Join(",", outcomes)} in {started.Elapsed}");
        for (var i = 0; i < 10; i++)
        {
            await ApiAssert.OkAsync(await host.Http.SendAsync(SignedRequests.V2("GetProject", new Dictionary<string, string> { ["ProjectName"] = "media-fast" }, host.Admin)));
        }
    }
}
