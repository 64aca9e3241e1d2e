namespace Orleans.Media.Runtime;

/// <summary>A write was refused because the stored version is not the one the activation read (a stale write).</summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(GrainId grainId, long expectedVersion)
        : base($"Grain {grainId}: stored version is not {expectedVersion}; the write was refused.")
    {
        GrainId = grainId;
        ExpectedVersion = expectedVersion;
    }

    public GrainId GrainId { get; }

    public long ExpectedVersion { get; }
}
