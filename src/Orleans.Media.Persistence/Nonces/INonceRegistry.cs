namespace Orleans.Media.Persistence;

/// <summary>Cluster-wide replay protection: a (scope, nonce) pair is accepted once until it expires.</summary>
public interface INonceRegistry
{
    /// <summary>True if the nonce was not seen (or its previous registration expired); false on a replay.</summary>
    Task<bool> TryRegisterAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);
}
