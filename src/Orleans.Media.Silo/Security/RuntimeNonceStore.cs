using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;

namespace Orleans.Media.Silo.Security;

/// <summary>Nonces in the cluster store (the runtime's <see cref="INonceRegistry"/>): a replay is refused on every silo.</summary>
public sealed class RuntimeNonceStore(INonceRegistry registry) : INonceStore
{
    public async ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset expires, CancellationToken cancellationToken) =>
        await registry.TryRegisterAsync("api-key:" + accessKeyId, nonce, expires, cancellationToken);
}
