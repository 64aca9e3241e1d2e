using System.Text.Json;
using Orleans.Media.Silo.Tests.Clients;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The unmodified Alibaba npm clients against a silo process: @alicloud/pop-core (RPC, signature V2) and
/// @alicloud/openapi-client (signature V3, protocol http) each run CreateFileUncompressionTask → GetTask until
/// Succeeded → ListTasks, and the objects they asked for are there.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class VendorClientTaskTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private readonly ArchiveFactory _archives = new();

    [Theory]
    [InlineData("popcore.js")]
    [InlineData("openapi.js")]
    public async Task Vendor_client_runs_a_task_to_Succeeded_and_lists_it(string script)
    {
        var project = "sdk" + Guid.NewGuid().ToString("N")[..8];
        var tree = _archives.Tree("sdk", files: 6, maxSize: 5000, seed: 21);
        var zip = _archives.Archive(tree, "zip");
        await silo.Bucket.UploadAsync($"{project}/a.zip", zip);
        var target = $"{project}/out/";

        var created = await CallAsync(script,
            ("CreateProject", new Dictionary<string, string> { ["ProjectName"] = project }),
            ("CreateFileUncompressionTask", new Dictionary<string, string>
            {
                ["ProjectName"] = project,
                ["SourceURI"] = silo.Bucket.Uri($"{project}/a.zip"),
                ["TargetURI"] = silo.Bucket.Uri(target),
                ["UserData"] = "{\"from\":\"" + script + "\"}",
            }));
        var taskId = created[1].GetProperty("TaskId").GetString()!;
        Assert.StartsWith("FileUncompression-", taskId, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(created[1].GetProperty("EventId").GetString()));

        JsonElement task;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            task = (await CallAsync(script, ("GetTask", new Dictionary<string, string>
            {
                ["ProjectName"] = project,
                ["TaskType"] = "FileUncompression",
                ["TaskId"] = taskId,
            })))[0];
            if (task.GetProperty("Status").GetString() != "Running")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the task did not end");
            await Task.Delay(200);
        }

        TaskAssert.Succeeded(task);
        Assert.Equal("{\"from\":\"" + script + "\"}", task.GetProperty("UserData").GetString());

        var list = (await CallAsync(script, ("ListTasks", new Dictionary<string, string>
        {
            ["ProjectName"] = project,
            ["TaskTypes"] = "[\"FileUncompression\"]",
            ["Status"] = "Succeeded",
            ["MaxResults"] = "10",
        })))[0];
        Assert.Equal(taskId, Assert.Single(list.GetProperty("Tasks").EnumerateArray()).GetProperty("TaskId").GetString());
        Assert.Equal("10", list.GetProperty("MaxResults").GetString());

        Assert.Equal(TreeHashes.OfBsdtar(zip), await silo.Bucket.HashesAsync(target));
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>Runs the calls with the npm client in one node process; every call must succeed; returns the bodies.</summary>
    private async Task<JsonElement[]> CallAsync(string script, params (string Action, Dictionary<string, string> Params)[] calls)
    {
        var endpoint = script == "popcore.js" ? silo.Silo.BaseAddress.ToString().TrimEnd('/') : silo.Silo.BaseAddress.Authority;
        var results = await NodeClient.RunAsync(script, new
        {
            endpoint,
            apiVersion = "2020-09-30",
            accessKeyId = silo.Credentials.AccessKeyId,
            accessKeySecret = silo.Credentials.AccessKeySecret,
            calls = calls.Select(c => new { action = c.Action, @params = c.Params, method = "POST" }).ToArray(),
        });
        Assert.Equal(calls.Length, results.Length);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].GetProperty("ok").GetBoolean(), $"{script} {calls[i].Action} failed: {results[i]}");
        }

        return [.. results.Select(r => r.GetProperty("body"))];
    }
}
