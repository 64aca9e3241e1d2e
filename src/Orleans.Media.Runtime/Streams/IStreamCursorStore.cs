namespace Orleans.Media.Runtime;

/// <summary>Durable cursors of at-least-once consumers: read from the saved position, process, then save.</summary>
public interface IStreamCursorStore
{
    /// <summary>The saved position of <paramref name="consumer"/>, 0 if none.</summary>
    Task<long> GetAsync(string consumer, CancellationToken cancellationToken = default);

    Task SaveAsync(string consumer, long position, CancellationToken cancellationToken = default);
}
