using System.Collections.Concurrent;

namespace Orleans.Media.Runtime.Core;

/// <summary>
/// A concurrent map of activations with a crude size bound: past <c>capacity</c> entries it is emptied (a cache
/// miss only reloads from the store). The size is an approximate counter, not <see cref="ConcurrentDictionary{TKey,TValue}.Count"/>,
/// which takes every lock of the dictionary and showed up at 5% of a silo's CPU under task creation.
/// </summary>
internal sealed class BoundedGrainMap(int capacity)
{
    private readonly ConcurrentDictionary<GrainId, Grain> _map = new();
    private int _count;

    public bool TryGetValue(GrainId grainId, out Grain? grain) => _map.TryGetValue(grainId, out grain);

    public bool TryRemove(GrainId grainId, out Grain? grain)
    {
        if (_map.TryRemove(grainId, out grain))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    public void Set(GrainId grainId, Grain grain)
    {
        if (_map.TryGetValue(grainId, out var present) && _map.TryUpdate(grainId, grain, present))
        {
            return; // A newer activation of a grain already here: no growth.
        }

        if (Volatile.Read(ref _count) >= capacity)
        {
            Clear();
        }

        if (_map.TryAdd(grainId, grain))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _map[grainId] = grain;
        }
    }

    /// <summary>Races with concurrent adds and removes may leave the counter a little off until the next clear;
    /// it only decides when to clear.</summary>
    public void Clear()
    {
        _map.Clear();
        Interlocked.Exchange(ref _count, 0);
    }
}
