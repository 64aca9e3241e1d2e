namespace Orleans.Media.Grains;

/// <summary>The names of the Orleans providers the grains use; the silo registers providers under these names.</summary>
public static class MediaProviders
{
    /// <summary>Grain state (ADO.NET: PostgreSQL for a cluster, SQLite for the embedded silo).</summary>
    public const string Storage = "media";

    /// <summary>Live task and project events (memory streams: best effort, the SSE endpoint reads current state first).</summary>
    public const string Streams = "events";
}
