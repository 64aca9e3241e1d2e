using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Actions;

/// <summary>A named action (<c>video/convert</c>): checks its parameters once, then runs on any number of objects.</summary>
public interface IMediaAction
{
    string Name { get; }

    /// <summary>Parses and checks <paramref name="parameters"/>; throws <see cref="InvalidActionParameterException"/> naming the parameter.</summary>
    IPreparedAction Prepare(IReadOnlyList<string>? parameters);
}

/// <summary>An action with checked parameters; immutable and safe to run concurrently.</summary>
public interface IPreparedAction
{
    string Name { get; }

    /// <summary>
    /// Processes one object into its outputs. Failures of the input or the tool are <see cref="ActionFailedException"/>
    /// (the reason to report for that file); cancellation kills the tool and removes the run's temporary files.
    /// </summary>
    Task<ActionResult> RunAsync(ObjectUri source, CancellationToken cancellationToken = default);
}

public sealed record ActionResult(ObjectUri Source, IReadOnlyList<ActionOutput> Outputs);

public sealed record ActionOutput(ObjectUri Uri, long Size);
