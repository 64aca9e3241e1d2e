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

    /// <summary>
    /// Orleans' ClearStateAsync: resets <see cref="State"/> to <c>new TState()</c> and <see cref="Grain.Partition"/> to
    /// null; the turn's commit writes that as the next version (the row is kept, versions never restart), so a later
    /// call sees a fresh grain and a stale writer is still refused. Only in a write turn; rolled back with the turn.
    /// </summary>
    /// <remarks>
    /// The row is not deleted on purpose: a re-created row would restart at version 1, and another silo's cached
    /// activation of an earlier incarnation at that version would be taken as current. <see cref="RecordExists"/>
    /// stays true after a clear.
    /// </remarks>
    protected void ClearState()
    {
        RequireWritableTurn("clear its state");
        State = new TState();
        Partition = null;
    }

    internal override Type? StateType => typeof(TState);

    internal override object? StateObject
    {
        get => State;
        set => State = (TState?)value ?? new TState();
    }
}
