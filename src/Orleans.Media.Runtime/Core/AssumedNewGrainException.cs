namespace Orleans.Media.Runtime.Core;

/// <summary>
/// A turn that assumed <see cref="GrainId"/> new (<see cref="CreatesGrainAttribute"/>) cannot stand: its insert
/// conflicted, its method threw on the assumed empty state, or it left the grain unwritten. Never reaches callers:
/// the turn runs again at once the usual way, and that run's outcome (<see cref="Exception.InnerException"/> is the
/// assumed run's) is the answer.
/// </summary>
internal sealed class AssumedNewGrainException(GrainId grainId, Exception? inner)
    : Exception($"Grain {grainId} was assumed new; the turn runs again the usual way.", inner)
{
    public GrainId GrainId { get; } = grainId;
}
