namespace Orleans.Media.Grains.Projects;

/// <summary>
/// A project's engine slots: which of its tasks may run now, each with a lease its task renews while it works.
/// A lease that ran out (its task vanished, or its silo died and the task has not come back yet) is free again;
/// a task that comes back while it still holds its slot gets it again at once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EngineSlots
{
    public static EngineSlots Empty { get; } = new();

    /// <summary>TaskId → when its lease runs out.</summary>
    [Id(0)] public IReadOnlyDictionary<string, DateTimeOffset> Leases { get; init; } = new Dictionary<string, DateTimeOffset>();

    public int Count => Leases.Count;

    public bool Holds(string taskId) => Leases.ContainsKey(taskId);

    /// <summary>Grants (or renews) <paramref name="taskId"/>'s slot if it holds one or one is free under <paramref name="capacity"/>.</summary>
    public (EngineSlots Slots, bool Granted) Acquire(string taskId, int capacity, DateTimeOffset now, TimeSpan lease)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        var live = Expire(now);
        if (!live.Holds(taskId) && live.Count >= capacity)
        {
            return (live, false);
        }

        var leases = new Dictionary<string, DateTimeOffset>(live.Leases) { [taskId] = now + lease };
        return (new EngineSlots { Leases = leases }, true);
    }

    public EngineSlots Release(string taskId)
    {
        if (!Holds(taskId))
        {
            return this;
        }

        var leases = new Dictionary<string, DateTimeOffset>(Leases);
        leases.Remove(taskId);
        return new EngineSlots { Leases = leases };
    }

    /// <summary>The slots without the leases that ran out before <paramref name="now"/>.</summary>
    public EngineSlots Expire(DateTimeOffset now) =>
        Leases.Values.All(until => until > now)
            ? this
            : new EngineSlots { Leases = Leases.Where(l => l.Value > now).ToDictionary(l => l.Key, l => l.Value) };
}
