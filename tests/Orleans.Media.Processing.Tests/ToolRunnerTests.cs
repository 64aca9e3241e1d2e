using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Processing.Actions;
using Orleans.Media.Processing.Tools;

namespace Orleans.Media.Processing.Tests;

/// <summary>The limits every child process runs under, shown with real processes.</summary>
public sealed class ToolRunnerTests : IDisposable
{
    private readonly ProcessingHost _host = new();

    public void Dispose() => _host.Dispose();

    private ToolRunner Runner => _host.Services.GetRequiredService<ToolRunner>();

    [Fact]
    public async Task A_run_past_its_time_limit_is_killed_and_reported()
    {
        using var folder = _host.Services.GetRequiredService<ScratchSpace>().Create("t");
        var marker = "om-timeout-" + Guid.NewGuid().ToString("N")[..8];

        var e = await Assert.ThrowsAsync<ToolFailedException>(() => Runner.RunAsync(
            new ToolRun("ffmpeg", ["-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=25", "-metadata", "title=" + marker, "-f", "null", "-"], folder.Path)
            {
                TimeLimit = TimeSpan.FromSeconds(1),
            }));

        Assert.Equal(ToolFailureKind.TimedOut, e.Kind);
        Assert.Contains("time limit", e.Message);
        await Tool.WaitUntilAsync(() => Tool.ProcessesWith(marker).Count == 0, "the killed ffmpeg is gone");
    }

    [Fact]
    public async Task A_child_sees_only_PATH_LC_ALL_and_its_own_variables()
    {
        // A silo's environment holds connection strings and keys; a tool parsing untrusted media must not see them.
        using var folder = _host.Services.GetRequiredService<ScratchSpace>().Create("e");
        Environment.SetEnvironmentVariable("ORLEANSMEDIA_TEST_SECRET", "not-for-children");
        try
        {
            var result = await Runner.RunAsync(new ToolRun("env", [], folder.Path)
            {
                Environment = new Dictionary<string, string?> { ["HOME"] = folder.Path },
            });

            var variables = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order();
            Assert.Equal(["HOME=" + folder.Path, "LC_ALL=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin"], variables);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ORLEANSMEDIA_TEST_SECRET", null);
        }
    }

    [Fact]
    public async Task A_run_past_its_output_limit_is_killed_and_reported()
    {
        using var folder = _host.Services.GetRequiredService<ScratchSpace>().Create("o");

        var e = await Assert.ThrowsAsync<ToolFailedException>(() => Runner.RunAsync(
            new ToolRun("ffmpeg", ["-hide_banner", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "rawvideo", "-y", Path.Combine(folder.Path, "huge.raw")], folder.Path)
            {
                OutputLimitBytes = 2 * 1024 * 1024,
                TimeLimit = TimeSpan.FromMinutes(2),
            }));

        Assert.Equal(ToolFailureKind.OutputTooLarge, e.Kind);
        Assert.Contains("output", e.Message);
    }

    [Fact]
    public async Task A_run_flooding_its_standard_output_is_killed_and_reported()
    {
        // stdout is held in memory (tools write their data to files; ffprobe's report is small): a tool fed a crafted
        // file must not grow the silo's memory without bound.
        using var folder = _host.Services.GetRequiredService<ScratchSpace>().Create("s");

        var e = await Assert.ThrowsAsync<ToolFailedException>(() => Runner.RunAsync(
            new ToolRun("sh", ["-c", "head -c 200000000 /dev/zero | tr '\\0' a"], folder.Path) { TimeLimit = TimeSpan.FromMinutes(2) }));

        Assert.Equal(ToolFailureKind.OutputTooLarge, e.Kind);
        Assert.Contains("standard output", e.Message);
    }

    [Fact]
    public async Task A_failing_tool_reports_the_tail_of_its_stderr()
    {
        using var folder = _host.Services.GetRequiredService<ScratchSpace>().Create("f");

        var e = await Assert.ThrowsAsync<ToolFailedException>(() => Runner.RunAsync(new ToolRun("ffprobe", ["-v", "error", Path.Combine(folder.Path, "missing.mp4")], folder.Path)));

        Assert.Equal(ToolFailureKind.ExitCode, e.Kind);
        Assert.Contains("No such file or directory", e.Message);
    }

    [Fact]
    public async Task Cancellation_kills_the_whole_process_tree()
    {
        using var folder = _host.Services.GetRequiredService<ScratchSpace>().Create("c");
        var marker = "om-tree-" + Guid.NewGuid().ToString("N")[..8];
        var seconds = Random.Shared.Next(1000, 9000);
        using var cts = new CancellationTokenSource();

        // A shell (named by the marker) with two children of its own: all three must go.
        var run = Runner.RunAsync(new ToolRun("sh", ["-c", $"sleep {seconds} & sleep {seconds + 1}; wait", marker], folder.Path), cts.Token);
        await Tool.WaitUntilAsync(
            () => Tool.ProcessesWith($"sleep {seconds}").Count + Tool.ProcessesWith($"sleep {seconds + 1}").Count >= 4,
            "the shell and both children run");
        var tree = Tool.ProcessesWith($"sleep {seconds}").Union(Tool.ProcessesWith($"sleep {seconds + 1}")).ToList();
        Assert.Equal(3, tree.Count);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Tool.WaitUntilAsync(() => tree.All(pid => !Directory.Exists($"/proc/{pid}")), "the tree is gone");
    }

    [Fact]
    public async Task Cancelling_an_action_leaves_no_process_and_no_temporary_file()
    {
        var source = await _host.MakeClipAsync("long.mp4", seconds: 20, size: "640x480");
        var action = _host.Actions.Prepare("video/convert", ["format=mkv", "vcodec=h265", "preset=veryslow", "crf=0"]);
        using var cts = new CancellationTokenSource();

        var run = action.RunAsync(source, cts.Token);
        await Tool.WaitUntilAsync(() => Tool.ProcessesWith(_host.ScratchRoot).Count > 0 || run.IsCompleted, "ffmpeg runs");
        Assert.False(run.IsCompleted, "the conversion should still be running");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await Tool.WaitUntilAsync(() => Tool.ProcessesWith(_host.ScratchRoot).Count == 0, "no process of the run is left");
        Assert.Empty(_host.ScratchLeftovers());
        Assert.Null(await _host.Storage.GetBucket(ProcessingHost.Bucket).HeadAsync("long_output.mkv"));
    }
}
