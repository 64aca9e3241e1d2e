using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime.Core;

internal sealed class NonceRegistry(IRuntimeStore store) : INonceRegistry
{
    public Task<bool> TryRegisterAsync(string scope, string nonce, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(nonce);
        return store.TryRegisterNonceAsync(scope, nonce, expiresAt, cancellationToken);
    }
}
