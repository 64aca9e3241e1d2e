namespace Orleans.Media.Runtime.Core;

/// <summary>
/// Idle activations of this silo. A turn checks an activation out (exclusive) and returns it after commit with
/// its new version; a turn that finds the stored version moved drops it and loads fresh state (a stale
/// activation never writes).
/// </summary>
internal sealed class ActivationCache(int capacity)
{
    private readonly BoundedGrainMap _idle = new(capacity);

    public Grain? TryCheckout(GrainId grainId) => _idle.TryRemove(grainId, out var grain) ? grain : null;

    /// <summary>Crude bound (see <see cref="BoundedGrainMap"/>): the cache is an optimization only.</summary>
    public void Return(Grain grain) => _idle.Set(grain.GrainId, grain);

    public void Clear() => _idle.Clear();
}
