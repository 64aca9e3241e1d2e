namespace Orleans.Media.Silo.Security;

/// <summary>
/// Remembers signature nonces for as long as their timestamp could still be accepted, so a captured request cannot
/// be replayed. Cluster-wide once backed by the runtime's nonce registry; <see cref="InMemoryNonceStore"/> covers one silo.
/// </summary>
public interface INonceStore
{
    /// <summary>True the first time <paramref name="nonce"/> is seen for this key; false for a replay.</summary>
    ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset expires, CancellationToken cancellationToken);
}
