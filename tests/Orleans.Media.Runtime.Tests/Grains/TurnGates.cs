using System.Collections.Concurrent;

namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>Lets a test hold a grain's turn open at a known point: the grain signals <see cref="Reached"/> and
/// waits for <see cref="Release"/>.</summary>
public static class TurnGates
{
    private static readonly ConcurrentDictionary<string, (TaskCompletionSource Reached, TaskCompletionSource Release)> Gates = new();

    public static Task Reached(string gate) => Get(gate).Reached.Task;

    public static void Release(string gate) => Get(gate).Release.TrySetResult();

    /// <summary>Called by the grain inside its turn.</summary>
    public static Task PassAsync(string gate)
    {
        var (reached, release) = Get(gate);
        reached.TrySetResult();
        return release.Task;
    }

    private static (TaskCompletionSource Reached, TaskCompletionSource Release) Get(string gate) =>
        Gates.GetOrAdd(gate, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));
}
