using System.Collections.Concurrent;

namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>Counts failed reminder ticks (per grain key and reminder name; keys are unique per test).</summary>
public static class ReminderProbe
{
    public static ConcurrentDictionary<string, int> Failures { get; } = new();
}
