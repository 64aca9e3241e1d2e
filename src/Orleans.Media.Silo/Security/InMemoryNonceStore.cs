using System.Collections.Concurrent;

namespace Orleans.Media.Silo.Security;

/// <summary>Nonces of this silo, dropped once expired (swept every <see cref="SweepEvery"/> insertions).</summary>
public sealed class InMemoryNonceStore(TimeProvider clock) : INonceStore
{
    private const int SweepEvery = 4096;
    private readonly ConcurrentDictionary<(string, string), DateTimeOffset> _nonces = new();
    private int _insertions;

    public ValueTask<bool> TryUseAsync(string accessKeyId, string nonce, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (Interlocked.Increment(ref _insertions) % SweepEvery == 0)
        {
            foreach (var (key, expiry) in _nonces)
            {
                if (expiry < now)
                {
                    _nonces.TryRemove(key, out _);
                }
            }
        }

        var key2 = (accessKeyId, nonce);
        if (_nonces.TryAdd(key2, expires))
        {
            return ValueTask.FromResult(true);
        }

        // An expired entry not yet swept does not make a fresh request a replay.
        if (_nonces.TryGetValue(key2, out var old) && old < now && _nonces.TryUpdate(key2, expires, old))
        {
            return ValueTask.FromResult(true);
        }

        return ValueTask.FromResult(false);
    }
}
