using System.Text.Json;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The embedded default (issue 2): one silo process on SQLite and local folders in its data directory. Everything a
/// user made — the project, a finished task, the admin credentials, the extracted files — survives kill -9 and a
/// restart on the same data directory.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EmbeddedRestartTests
{
    [Fact]
    public async Task Project_task_and_credentials_survive_kill_9_and_restart_on_the_same_sqlite_file()
    {
        using var archives = new ArchiveFactory();
        var tree = archives.Tree("tree", files: 12, maxSize: 20_000, seed: 1);
        var zip = archives.Archive(tree, "zip");
        var expected = TreeHashes.OfBsdtar(zip);

        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "embedded" });
        var credentials = await silo.ReadCredentialsAsync();
        var credentialsFile = await File.ReadAllTextAsync(Path.Combine(silo.DataDir, "credentials.json"));
        Assert.True(File.Exists(Path.Combine(silo.DataDir, "orleans-media.db")), "the embedded store is a SQLite file in the data directory");

        // A user drops the archive in <data dir>/buckets/B and names it oss://B/a.zip.
        Directory.CreateDirectory(Path.Combine(silo.DataDir, "buckets", "B"));
        File.Copy(zip, Path.Combine(silo.DataDir, "buckets", "B", "a.zip"));

        string taskId;
        JsonElement projectBefore, taskBefore;
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            await client.CreateProjectAsync("keep", new Dictionary<string, string> { ["Description"] = "survives", ["MaxFilesPerArchive"] = "1234" });
            taskId = await client.StartTaskAsync("keep", "oss://B/a.zip");
            var ended = await client.WaitForTaskAsync("keep", taskId);
            Assert.Equal("Succeeded", ended.GetProperty("Status").GetString());
            projectBefore = (await client.CallAsync("GetProject", new Dictionary<string, string> { ["ProjectName"] = "keep" })).EnsureOk("GetProject").Body.GetProperty("Project");
            taskBefore = (await client.GetTaskAsync("keep", taskId, withDefinition: true)).EnsureOk("GetTask").Body;
        }

        // The default target: the archive's folder plus its name without extension.
        Assert.Equal(expected, TreeHashes.Of(Path.Combine(silo.DataDir, "buckets", "B", "a")));

        await silo.KillAsync();
        Assert.False(silo.IsRunning);
        await silo.StartAsync();

        // The same key still signs (read back from the same file, which the restart did not rewrite).
        Assert.Equal(credentialsFile, await File.ReadAllTextAsync(Path.Combine(silo.DataDir, "credentials.json")));
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            var project = (await client.CallAsync("GetProject", new Dictionary<string, string> { ["ProjectName"] = "keep" })).EnsureOk("GetProject after restart");
            Assert.Equal(projectBefore.ToString(), project.Body.GetProperty("Project").ToString());
            Assert.Equal("survives", project.Body.GetProperty("Project").GetProperty("Description").GetString());
            Assert.Equal(1234, project.Body.GetProperty("Project").GetProperty("MaxFilesPerArchive").GetInt64());

            var task = (await client.GetTaskAsync("keep", taskId, withDefinition: true)).EnsureOk("GetTask after restart");
            Assert.Equal(WithoutRequestId(taskBefore), WithoutRequestId(task.Body));
            Assert.Equal("Succeeded", task.String("Status"));
            Assert.Equal(100, task.Body.GetProperty("Progress").GetInt32());

            var list = (await client.ListTasksAsync("keep")).EnsureOk("ListTasks after restart");
            Assert.Equal(taskId, Assert.Single(list.Body.GetProperty("Tasks").EnumerateArray()).GetProperty("TaskId").GetString());

            // A new task after the restart runs on the recovered store too.
            File.Copy(zip, Path.Combine(silo.DataDir, "buckets", "B", "b.zip"));
            var second = await client.StartTaskAsync("keep", "oss://B/b.zip");
            Assert.Equal("Succeeded", (await client.WaitForTaskAsync("keep", second)).GetProperty("Status").GetString());
        }

        Assert.Equal(expected, TreeHashes.Of(Path.Combine(silo.DataDir, "buckets", "B", "a")));
        Assert.Equal(expected, TreeHashes.Of(Path.Combine(silo.DataDir, "buckets", "B", "b")));

        // A graceful stop (SIGTERM) exits cleanly, and the state is there after that restart too.
        Assert.Equal(0, await silo.StopAsync(TimeSpan.FromSeconds(20)));
        await silo.StartAsync();
        using (var client = new ImmClient(silo.BaseAddress, credentials))
        {
            var list = (await client.ListTasksAsync("keep", new Dictionary<string, string> { ["Status"] = "Succeeded" })).EnsureOk("ListTasks after graceful restart");
            Assert.Equal(2, list.Body.GetProperty("Tasks").GetArrayLength());
            Assert.Equal(WithoutRequestId(taskBefore), WithoutRequestId((await client.GetTaskAsync("keep", taskId, withDefinition: true)).EnsureOk("GetTask").Body));
        }
    }

    private static string WithoutRequestId(JsonElement body) =>
        JsonSerializer.Serialize(body.EnumerateObject().Where(p => p.Name != "RequestId").ToDictionary(p => p.Name, p => p.Value));
}
