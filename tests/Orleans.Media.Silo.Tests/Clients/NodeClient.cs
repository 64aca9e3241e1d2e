using System.Diagnostics;
using System.Text.Json;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Clients;

/// <summary>Runs one of the vendor-client scripts in this folder with <c>node</c> and returns its JSON result array.</summary>
public static class NodeClient
{
    public static async Task<JsonElement[]> RunAsync(string script, object plan)
    {
        var dir = Path.Combine(TestEnvironment.RepoRoot, "tests", "Orleans.Media.Silo.Tests", "Clients");
        var planFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(planFile, JsonSerializer.Serialize(plan));
        try
        {
            var start = new ProcessStartInfo("node", [Path.Combine(dir, script), planFile])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = dir,
            };
            start.Environment["NODE_PATH"] = TestEnvironment.NodeModules;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"node {script} failed ({process.ExitCode}): {await stderr}");
            return JsonDocument.Parse(await stdout).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
        }
        finally
        {
            File.Delete(planFile);
        }
    }
}
