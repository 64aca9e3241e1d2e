using System.Diagnostics;
using Npgsql;
using Orleans.Media.Grains.Projects;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// A task that ends gives its project's engine slot back even when the first attempt to do so fails: the project's
/// queue goes on at once, not after the slot's lease (2 minutes) runs out.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SlotReleaseTests(PostgresSiloFixture silo, ITestOutputHelper output) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private readonly ArchiveFactory _archives = new();

    /// <summary>
    /// A project running one task at a time: the first task runs a few seconds, the second waits. While the first
    /// runs, the project's stored state changes behind its activation (as a newer activation of the project would
    /// write it), so the project's next write — the first task's release of its slot — is refused with
    /// InconsistentStateException (as a release also fails when the project's silo is stopping, or the store is
    /// unreachable). The first task still succeeds, and the second must start and end within 60 s of it: the
    /// release is retried against the project's current activation instead of the slot staying held until its
    /// lease runs out.
    /// </summary>
    [Fact]
    public async Task A_release_refused_once_is_retried_and_the_queue_goes_on()
    {
        var total = Stopwatch.StartNew();
        var project = "release-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project, new Dictionary<string, string> { ["EngineConcurrency"] = "1" });
        var slow = _archives.Archive(_archives.Tree("slow", files: 400, maxSize: 4_000, seed: 51), "zip-stored");
        var tiny = _archives.Archive(_archives.Tree("tiny", files: 2, maxSize: 200, seed: 52), "zip");
        await silo.Bucket.UploadAsync($"{project}/slow.zip", slow);
        await silo.Bucket.UploadAsync($"{project}/tiny.zip", tiny);

        var first = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/slow.zip"), silo.Bucket.Uri($"{project}/out-slow/"));
        await WaitUntilAsync(async () => await StoredTasks.StatusAsync(silo.Database.ConnectionString, first) is not null
            && (await StoredTasks.PhasesAsync(silo.Database.ConnectionString, project)).Running == 1, TimeSpan.FromSeconds(60), "the first task did not start");
        var second = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/tiny.zip"), silo.Bucket.Uri($"{project}/out-tiny/"));

        // The project's stored state moves on behind its activation: its next write is refused.
        await using (var connection = new NpgsqlConnection(silo.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var bump = new NpgsqlCommand("UPDATE orleans_storage SET version = version + 1 WHERE grain_key = $1", connection)
            {
                Parameters = { new() { Value = $"~{ProjectGrain.GrainTypeName}/{project}" } },
            };
            Assert.Equal(1, await bump.ExecuteNonQueryAsync());
        }

        var (running, _) = await StoredTasks.PhasesAsync(silo.Database.ConnectionString, project);
        Assert.True(running == 1, "the first task ended before the project's state was changed: the test needs a slower first task");
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, first, TimeSpan.FromMinutes(2)));
        var firstEnded = Stopwatch.StartNew();
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, second, TimeSpan.FromSeconds(60)));
        output.WriteLine($"the second task ended {firstEnded.Elapsed.TotalSeconds:F1} s after the first; test time {total.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(TreeHashes.OfBsdtar(tiny), await silo.Bucket.HashesAsync($"{project}/out-tiny/"));
        Assert.Equal(TreeHashes.OfBsdtar(slow), await silo.Bucket.HashesAsync($"{project}/out-slow/"));
    }

    public void Dispose() => _archives.Dispose();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }
}
