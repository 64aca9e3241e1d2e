namespace Orleans.Media.Processing.Tools;

/// <summary>One child process: what to run, where, and the limits it runs under.</summary>
public sealed record ToolRun(string Executable, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    /// <summary>Killed (with its process tree) when it runs longer; null = <see cref="ProcessingOptions.ToolTimeLimit"/>.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Killed when the files under <see cref="OutputDirectory"/> grow past this; null = <see cref="ProcessingOptions.MaxOutputBytes"/>.</summary>
    public long? OutputLimitBytes { get; init; }

    /// <summary>The folder the output limit watches; null = <see cref="WorkingDirectory"/>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>The child's variables besides <c>PATH</c> and <c>LC_ALL</c> (LibreOffice's HOME); nothing of the silo's
    /// environment is passed on.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
}

/// <summary>A finished run: exit code 0, its stdout (small: tools write their data to files) and stderr tail.</summary>
public sealed record ToolResult(string StandardOutput, string StandardErrorTail, TimeSpan Duration);

public enum ToolFailureKind
{
    /// <summary>The tool exited with a non-zero code (damaged input, bad arguments).</summary>
    ExitCode,

    /// <summary>It ran past its time limit and was killed.</summary>
    TimedOut,

    /// <summary>Its output grew past the limit and it was killed.</summary>
    OutputTooLarge,

    /// <summary>The executable could not be started.</summary>
    NotStarted,
}

/// <summary>A tool run that failed; <see cref="Exception.Message"/> is the reason a task reports (stderr tail included).</summary>
public sealed class ToolFailedException(ToolFailureKind kind, string tool, string message, string stderrTail, Exception? inner = null)
    : Exception(message, inner)
{
    public ToolFailureKind Kind { get; } = kind;

    public string Tool { get; } = tool;

    public string StandardErrorTail { get; } = stderrTail;
}
