using System.Collections.Concurrent;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// Idle activations of this silo. A turn checks an activation out (exclusive) and returns it after commit with
/// its new version; a turn that finds the stored version moved drops it and loads fresh state (a stale
/// activation never writes).
/// </summary>
internal sealed class ActivationCache(int capacity)
{
    private readonly ConcurrentDictionary<GrainId, Grain> _idle = new();

    public Grain? TryCheckout(GrainId grainId) => _idle.TryRemove(grainId, out var grain) ? grain : null;

    public void Return(Grain grain)
    {
        if (_idle.Count >= capacity)
        {
            // Crude bound: the cache is an optimization only; a miss reloads from the store.
            _idle.Clear();
        }

        _idle[grain.GrainId] = grain;
    }

    public void Clear() => _idle.Clear();
}
