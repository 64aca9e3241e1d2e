using Npgsql;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Retention: with a project retention of 2 seconds a finished task reads as gone (GetTask ResourceNotFound, absent
/// from ListTasks) once its end is 2 s old, and the project's retention reminder then purges its stored record.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RetentionTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private readonly ArchiveFactory _archives = new();

    [Fact]
    public async Task Tasks_disappear_from_GetTask_and_ListTasks_on_schedule_and_are_purged()
    {
        var project = "ret" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project, new Dictionary<string, string> { ["TaskRetentionSeconds"] = "2" });
        var tree = _archives.Tree("r", files: 3, maxSize: 1000, seed: 9);
        await silo.Bucket.UploadAsync($"{project}/a.zip", _archives.Archive(tree, "zip"));

        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add(await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/a.zip"), silo.Bucket.Uri($"{project}/o{i}/")));
        }

        var ends = new List<DateTimeOffset>();
        foreach (var id in ids)
        {
            var task = await silo.Client.WaitForTaskAsync(project, id);
            TaskAssert.Succeeded(task);
            ends.Add(TaskAssert.Rfc3339(task, "EndTime"));
        }

        // Readable while younger than the retention.
        Assert.True(DateTimeOffset.UtcNow < ends.Min().AddSeconds(2), "the tasks took too long to check before expiry");
        var listed = (await silo.Client.ListTasksAsync(project)).EnsureOk("ListTasks");
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Body.GetProperty("Tasks").EnumerateArray().Select(t => t.GetProperty("TaskId").GetString()!).Order(StringComparer.Ordinal));

        // Gone once their end is older than the retention (checked from 2 s after the later end, within 3 s).
        var due = ends.Max().AddSeconds(2);
        await Task.Delay(Max(TimeSpan.Zero, due - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100)));
        foreach (var id in ids)
        {
            var get = await silo.Client.GetTaskAsync(project, id);
            Assert.Equal(404, (int)get.Status);
            Assert.Equal("ResourceNotFound", get.Code);
        }

        Assert.True(DateTimeOffset.UtcNow < due.AddSeconds(3), "the expiry check ran late");
        var after = (await silo.Client.ListTasksAsync(project)).EnsureOk("ListTasks");
        Assert.Empty(after.Body.GetProperty("Tasks").EnumerateArray());

        // The stored records are purged by the retention reminder (period: retention / 24, at least 1 s).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await StoredRequestsAsync(ids) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "expired tasks were not purged from the store");
            await Task.Delay(250);
        }

        // The outputs are the user's: retention removes task records, not extracted files.
        Assert.NotEmpty(await silo.Bucket.KeysAsync($"{project}/o0/"));
    }

    public void Dispose() => _archives.Dispose();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>How many of the tasks still have a stored state in Orleans' grain storage (a purged task's is cleared).</summary>
    private Task<long> StoredRequestsAsync(IReadOnlyList<string> ids) => StoredTasks.StoredStatesAsync(silo.Database.ConnectionString, ids);

}
