using System.Collections.Concurrent;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Hosting;

/// <summary>
/// Grain ids this process has just minted (a new task's random id) while the call that creates the grain is in
/// flight. Such a grain has no stored state, so when it activates in this silo during that call its storage read is
/// skipped: the state starts empty with no ETag, exactly what the read would have returned, one PostgreSQL round
/// trip sooner. The first write still inserts only where no row exists, so were the id ever taken, that write fails
/// with <see cref="Orleans.Storage.InconsistentStateException"/> instead of overwriting anything.
/// </summary>
/// <remarks>
/// The mark is consumed by the first read and dropped when the creating call returns, so a later activation (here
/// or after the grain moved) always reads. If the grain activates on another silo, this one never sees a read.
/// </remarks>
public sealed class NewGrainIds
{
    private readonly ConcurrentDictionary<GrainId, byte> _creating = new();

    /// <summary>Marks <paramref name="grainId"/> as new until the returned scope is disposed.</summary>
    public Scope Creating(GrainId grainId)
    {
        _creating[grainId] = 0;
        return new Scope(this, grainId);
    }

    /// <summary>True once for a grain marked new: its state cannot exist.</summary>
    internal bool TryTake(GrainId grainId) => _creating.TryRemove(grainId, out _);

    public readonly struct Scope(NewGrainIds owner, GrainId grainId) : IDisposable
    {
        public void Dispose() => owner?._creating.TryRemove(grainId, out _);
    }
}
