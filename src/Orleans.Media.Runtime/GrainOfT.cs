namespace Orleans.Media.Runtime;

/// <summary>
/// A grain with persistent state, stored as JSON with a version. State records are immutable: assign
/// <c>State = State with { ... }</c>. The runtime writes the state after a turn only if its JSON changed.
/// </summary>
public abstract class Grain<TState> : Grain
    where TState : class, new()
{
    protected TState State { get; set; } = new();

    /// <summary>True if the grain has a stored row (some turn wrote it).</summary>
    protected bool RecordExists => Version > 0;

    internal override Type? StateType => typeof(TState);

    internal override object? StateObject
    {
        get => State;
        set => State = (TState?)value ?? new TState();
    }
}
