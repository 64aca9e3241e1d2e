using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains.AccessKeys;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Reads keys from the <see cref="IAccessKeyStore"/> and keeps them for <see cref="ApiSecurityOptions.KeyCacheDuration"/>
/// so a signed request does not cost a store read; also remembers unknown ids briefly so a flood of bogus ids does not
/// reach the store.
/// </summary>
public sealed class AccessKeyResolver(
    IAccessKeyStore store,
    AccessKeySecretProtector protector,
    IOptions<ApiSecurityOptions> options,
    TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (ResolvedAccessKey? Key, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _duration = options.Value.KeyCacheDuration;

    public async ValueTask<ResolvedAccessKey?> GetAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(accessKeyId, out var cached) && cached.Expires > now)
        {
            return cached.Key;
        }

        var state = await store.GetAsync(accessKeyId, cancellationToken);
        var key = state is { Exists: true }
            ? new ResolvedAccessKey(state.Id, protector.Unprotect(state.Id, state.EncryptedSecret), state.Permissions, state.Status)
            : null;
        if (_duration > TimeSpan.Zero)
        {
            if (_cache.Count > 100_000)
            {
                _cache.Clear(); // Bounded: a flood of random ids cannot grow it without limit.
            }

            _cache[accessKeyId] = (key, now + _duration);
        }

        return key;
    }

    /// <summary>Forgets a key at once (after a revocation or permission change made through this silo).</summary>
    public void Invalidate(string accessKeyId) => _cache.TryRemove(accessKeyId, out _);
}
