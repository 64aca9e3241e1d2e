using System.Diagnostics;
using Npgsql;
using Orleans.Media.Grains.FileUncompression;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The queue is fair across projects (issue 10): a project with 2,000 queued tasks does not delay another project's
/// 10. Real silo process on PostgreSQL, tasks created through the signed API.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FairnessTests(PostgresSiloFixture silo, ITestOutputHelper output) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private const int BigQueue = 2_000;
    private const int SmallQueue = 10;
    private readonly ArchiveFactory _archives = new();

    /// <summary>
    /// A's 2,000 tasks are created while A may run one at a time (so they are queued, not done), then A gets its
    /// default 8 slots and B's 10 tasks arrive. Sampled in one snapshot of the task index: when the last of B's
    /// tasks has started (taken an engine slot: Phase Running, or ended after an attempt), fewer than half of A's
    /// tasks have succeeded. The silo's log says the same of the decoding itself (which starts after the silo's
    /// own extraction slot): fewer than 1,000 of A's extractions ended before the last of B's began. A queue that
    /// served tasks in creation order across projects, or queued tasks holding the silo's extraction slots, fails.
    /// </summary>
    [Fact]
    public async Task A_projects_10_tasks_all_start_before_half_of_another_projects_2000_queued_tasks_are_done()
    {
        var total = Stopwatch.StartNew();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var big = "fair-a-" + suffix;
        var small = "fair-b-" + suffix;
        await silo.Client.CreateProjectAsync(big, new Dictionary<string, string> { ["EngineConcurrency"] = "1" });
        await silo.Client.CreateProjectAsync(small);
        var tree = _archives.Tree("tiny", files: 1, maxSize: 64, seed: 5);
        var archive = _archives.Archive(tree, "zip");
        var expected = TreeHashes.OfBsdtar(archive);
        await silo.Bucket.UploadAsync($"{big}/tiny.zip", archive);
        await silo.Bucket.UploadAsync($"{small}/tiny.zip", archive);

        var create = Stopwatch.StartNew();
        var bigIds = await CreateManyAsync(big, BigQueue, parallelism: 16);
        create.Stop();
        output.WriteLine($"created {BigQueue} tasks of {big} in {create.Elapsed.TotalSeconds:F1} s ({BigQueue / create.Elapsed.TotalSeconds:F0}/s)");
        Assert.Equal(BigQueue, bigIds.Distinct().Count());
        Assert.Equal(BigQueue, await WaitIndexedAsync(big, BigQueue));

        // A runs at its full default rate from now on; B's tasks arrive behind A's queue.
        (await silo.Client.CallAsync("UpdateProject", new Dictionary<string, string> { ["ProjectName"] = big, ["EngineConcurrency"] = "8" }))
            .EnsureOk("UpdateProject");
        var atArrival = await SnapshotAsync(big, small);
        var smallIds = await CreateManyAsync(small, SmallQueue, parallelism: SmallQueue);
        output.WriteLine($"B's tasks arrive with {BigQueue - atArrival.BigDone} of A's tasks not done ({atArrival.BigDone} done)");
        Assert.True(atArrival.BigDone < BigQueue / 4, $"A's queue was no long queue when B's tasks arrived: {atArrival.BigDone} of {BigQueue} already done");

        // Wait until every task of B has started; the same snapshot counts A's finished tasks.
        var wait = Stopwatch.StartNew();
        Snapshot started;
        while (true)
        {
            started = await SnapshotAsync(big, small);
            if (started.SmallStarted == SmallQueue)
            {
                break;
            }

            Assert.True(started.BigDone < BigQueue / 2,
                $"half of A's tasks ({started.BigDone}) were done while only {started.SmallStarted} of B's {SmallQueue} had started");
            Assert.True(wait.Elapsed < TimeSpan.FromMinutes(3), $"B's tasks had not all started after 3 minutes ({started.SmallStarted} of {SmallQueue})");
            await Task.Delay(50);
        }

        output.WriteLine($"all of B's tasks started {wait.Elapsed.TotalSeconds:F1} s after they arrived; by then {started.BigDone} of A's {BigQueue} were done");
        Assert.True(started.BigDone < BigQueue / 2, $"B's last task started only when {started.BigDone} of A's {BigQueue} tasks were done");

        foreach (var (id, i) in smallIds.Select((id, i) => (id, i)))
        {
            TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(small, id, TimeSpan.FromMinutes(2)));
            Assert.Equal(expected, await silo.Bucket.HashesAsync($"{small}/out{i}/"));
        }

        // The decoding itself (logged once the silo's extraction slot is held) in the order the silo did it.
        var log = silo.Silo.ReadLog().Split('\n');
        var bigSet = bigIds.ToHashSet(StringComparer.Ordinal);
        var smallSet = smallIds.ToHashSet(StringComparer.Ordinal);
        int bigEnded = 0, smallBegun = 0, bigEndedAtLastSmall = -1;
        foreach (var line in log)
        {
            if (TaskIdAfter(line, "Extraction of task ") is { } ended && bigSet.Contains(ended))
            {
                bigEnded++;
            }
            else if (TaskIdAfter(line, "Extracting task ") is { } begun && smallSet.Contains(begun) && ++smallBegun == SmallQueue)
            {
                bigEndedAtLastSmall = bigEnded;
            }
        }

        Assert.True(smallBegun >= SmallQueue, $"the silo's log shows {smallBegun} of B's {SmallQueue} extractions beginning");
        output.WriteLine($"silo log: {bigEndedAtLastSmall} of A's extractions had ended when B's last began");
        Assert.True(bigEndedAtLastSmall < BigQueue / 2, $"B's last extraction began after {bigEndedAtLastSmall} of A's had ended");

        // A is not starved either: it keeps going.
        var later = await SnapshotAsync(big, small);
        Assert.True(later.BigDone > atArrival.BigDone, $"A made no progress while B ran ({later.BigDone} done)");
        output.WriteLine($"test time {total.Elapsed.TotalSeconds:F1} s");
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>Creates <paramref name="count"/> tasks of the project concurrently through the signed API; ids in creation index order.</summary>
    private async Task<string[]> CreateManyAsync(string project, int count, int parallelism)
    {
        var ids = new string[count];
        var next = -1;
        var workers = Enumerable.Range(0, parallelism).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                ids[i] = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/tiny.zip"), silo.Bucket.Uri($"{project}/out{i}/"));
            }
        });
        await Task.WhenAll(workers);
        return ids;
    }

    private async Task<long> WaitIndexedAsync(string project, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long indexed;
        while ((indexed = await StoredTasks.IndexedAsync(silo.Database.ConnectionString, project)) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return indexed;
    }

    private sealed record Snapshot(long BigDone, long SmallStarted);

    /// <summary>
    /// One snapshot of the task index: A's Succeeded tasks, and B's started tasks (holding a slot, or ended after an
    /// attempt). One statement, so both counts are of the same instant; a late sample only makes A's count larger.
    /// </summary>
    private async Task<Snapshot> SnapshotAsync(string big, string small)
    {
        await using var connection = new NpgsqlConnection(silo.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE partition_key = $2 AND state->>'Status' = 'Succeeded'), " +
            "count(*) FILTER (WHERE partition_key = $3 AND (state->>'Phase' = 'Running' OR (state->>'Attempts')::int >= 1)) " +
            "FROM grain_index WHERE grain_type = $1 AND partition_key IN ($2, $3)", connection)
        {
            Parameters = { new() { Value = FileUncompressionTaskGrain.GrainTypeName }, new() { Value = big }, new() { Value = small } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Snapshot(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The task id following <paramref name="marker"/> in a log line, if the line has it.</summary>
    private static string? TaskIdAfter(string line, string marker)
    {
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = line[(at + marker.Length)..];
        var end = rest.IndexOfAny([',', ':', ' ']);
        return end < 0 ? rest.Trim() : rest[..end];
    }
}
