namespace Orleans.Media.Runtime;

/// <summary>Reads the durable event log.</summary>
public interface IStreamReader
{
    /// <summary>Events with Position &gt; <paramref name="afterPosition"/> matching the filter, in position order,
    /// at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<StreamEvent>> ReadAsync(long afterPosition, StreamFilter filter, int max, CancellationToken cancellationToken = default);

    /// <summary>Completes when some event (any stream) with Position &gt; <paramref name="afterPosition"/> is readable.
    /// PostgreSQL: LISTEN/NOTIFY wake-up (with a polling fallback); SQLite: polling. Bound it with the token.</summary>
    Task WaitAsync(long afterPosition, CancellationToken cancellationToken);

    /// <summary>The highest readable position (0 if the log is empty).</summary>
    Task<long> GetLastPositionAsync(CancellationToken cancellationToken = default);
}
