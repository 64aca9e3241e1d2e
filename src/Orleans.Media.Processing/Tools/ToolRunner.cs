using System.Diagnostics;
using System.Text;
using CliWrap;
using CliWrap.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orleans.Media.Processing.Tools;

/// <summary>
/// Runs ffmpeg, ffprobe and LibreOffice through CliWrap under limits: a time limit, an output-size limit on the run's
/// folder, and cancellation; each of them kills the whole process tree (CliWrap kills the tree on forceful
/// cancellation). A failure carries the tail of stderr, which is where these tools say what went wrong.
/// </summary>
public sealed partial class ToolRunner(IOptions<ProcessingOptions> options, ILogger<ToolRunner> logger)
{
    private static readonly TimeSpan OutputPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most stdout kept (in memory): tools write their data to files, and ffprobe's report of the entries asked
    /// for is a few KB; a tool fed a crafted file is killed rather than grow the silo's memory.
    /// </summary>
    internal const int MaxStandardOutputChars = 16 * 1024 * 1024;

    /// <summary>
    /// The child's whole environment: <c>PATH</c>, <c>LC_ALL</c> and the run's own variables, every variable of the
    /// silo's removed (null), so a tool parsing untrusted media never sees connection strings or keys.
    /// </summary>
    internal static IReadOnlyDictionary<string, string?> ChildEnvironment(IReadOnlyDictionary<string, string?> run)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in System.Environment.GetEnvironmentVariables().Keys.OfType<string>())
        {
            environment[name] = null;
        }

        environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        environment["LC_ALL"] = "C.UTF-8";
        foreach (var (name, value) in run)
        {
            environment[name] = value;
        }

        return environment;
    }

    public async Task<ToolResult> RunAsync(ToolRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var o = options.Value;
        var timeLimit = run.TimeLimit ?? o.ToolTimeLimit;
        var outputLimit = run.OutputLimitBytes ?? o.MaxOutputBytes;
        var tool = Path.GetFileName(run.Executable);
        var stderr = new TailBuffer(o.StderrTailLines);
        var stdout = new StringBuilder();

        using var limits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limits.CancelAfter(timeLimit);
        var outputExceeded = false;
        var stdoutExceeded = false;
        using var watcherStop = new CancellationTokenSource();
        var watcher = WatchOutputAsync(run.OutputDirectory ?? run.WorkingDirectory, outputLimit, () =>
        {
            outputExceeded = true;
            limits.Cancel();
        }, watcherStop.Token);

        var command = Cli.Wrap(run.Executable)
            .WithArguments(run.Arguments)
            .WithWorkingDirectory(run.WorkingDirectory)
            .WithEnvironmentVariables(ChildEnvironment(run.Environment))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.Create(async (stream, token) =>
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var buffer = new char[16 * 1024];
                int n;
                while ((n = await reader.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
                {
                    if (stdout.Length + n > MaxStandardOutputChars)
                    {
                        stdoutExceeded = true;
                        await limits.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    stdout.Append(buffer, 0, n);
                }
            }))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(stderr.Add));
        var started = Stopwatch.GetTimestamp();
        CommandResult result;
        try
        {
            LogStarting(logger, tool, run.WorkingDirectory);
            result = await command.ExecuteAsync(limits.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (stdoutExceeded)
            {
                LogKilled(logger, tool, "standard output limit", elapsed);
                throw new ToolFailedException(ToolFailureKind.OutputTooLarge, tool, $"{tool} was killed: its standard output passed {MaxStandardOutputChars} characters. {stderr}", stderr.ToString(), e);
            }

            if (outputExceeded)
            {
                LogKilled(logger, tool, "output limit", elapsed);
                throw new ToolFailedException(ToolFailureKind.OutputTooLarge, tool, $"{tool} was killed: its output passed the limit of {outputLimit} bytes. {stderr}", stderr.ToString(), e);
            }

            LogKilled(logger, tool, "time limit", elapsed);
            throw new ToolFailedException(ToolFailureKind.TimedOut, tool, $"{tool} was killed after its time limit of {timeLimit}. {stderr}", stderr.ToString(), e);
        }
        catch (CommandExecutionException e)
        {
            throw new ToolFailedException(ToolFailureKind.NotStarted, tool, $"{tool} could not be started: {e.Message}", string.Empty, e);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ToolFailedException(ToolFailureKind.NotStarted, tool, $"{tool} could not be started: {e.Message}", string.Empty, e);
        }
        finally
        {
            await watcherStop.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
        }

        var duration = Stopwatch.GetElapsedTime(started);
        if (result.ExitCode != 0)
        {
            throw new ToolFailedException(ToolFailureKind.ExitCode, tool, $"{tool} exited with code {result.ExitCode}: {stderr}", stderr.ToString());
        }

        return new ToolResult(stdout.ToString(), stderr.ToString(), duration);
    }

    /// <summary>Sums the run folder's files until stopped; calls <paramref name="exceeded"/> once past the limit.</summary>
    private static async Task WatchOutputAsync(string folder, long limit, Action exceeded, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(OutputPollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (FolderSize(folder) > limit)
                {
                    exceeded();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static long FolderSize(string folder)
    {
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            {
                try
                {
                    total += file.Length;
                }
                catch (FileNotFoundException)
                {
                    // removed while we looked (a tool's own temp file)
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }

        return total;
    }

    [LoggerMessage(1, LogLevel.Debug, "Starting {Tool} in {Folder}")]
    private static partial void LogStarting(ILogger logger, string tool, string folder);

    [LoggerMessage(2, LogLevel.Warning, "{Tool} killed ({Reason}) after {Elapsed}")]
    private static partial void LogKilled(ILogger logger, string tool, string reason, TimeSpan elapsed);

    /// <summary>The last lines a tool wrote to stderr (progress lines of ffmpeg overwrite each other; the end matters).</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    return;
                }

                if (_lines.Count == capacity)
                {
                    _lines.Dequeue();
                }

                _lines.Enqueue(line.Trim());
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return string.Join(" | ", _lines);
            }
        }
    }
}
