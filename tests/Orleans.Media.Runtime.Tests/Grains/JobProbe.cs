using System.Collections.Concurrent;

namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>What test job handlers did, keyed by a probe id unique to each test (tests run in parallel).</summary>
public static class JobProbe
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Logs = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    public static void Record(string probe, string entry) => Logs.GetOrAdd(probe, _ => new()).Enqueue(entry);

    public static IReadOnlyList<string> Entries(string probe) => Logs.TryGetValue(probe, out var q) ? q.ToArray() : [];

    /// <summary>A gate handlers of this probe wait on (released by the test).</summary>
    public static TaskCompletionSource Gate(string probe) => Gates.GetOrAdd(probe, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
