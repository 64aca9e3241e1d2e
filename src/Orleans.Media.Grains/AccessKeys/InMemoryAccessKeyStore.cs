using System.Collections.Concurrent;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// Access keys held in this process only (secrets still encrypted): for tests and single-process tools. Keys are
/// lost at exit; a silo uses the store on the grain runtime.
/// </summary>
public sealed class InMemoryAccessKeyStore(AccessKeySecretProtector protector, TimeProvider clock) : IAccessKeyStore
{
    private readonly ConcurrentDictionary<string, AccessKeyState> _keys = new(StringComparer.Ordinal);

    public Task<CreatedAccessKey> CreateAsync(IReadOnlyList<AccessKeyPermission> permissions, string? description, CancellationToken cancellationToken)
    {
        var id = AccessKeyGenerator.NewId();
        var secret = AccessKeyGenerator.NewSecret();
        var state = new AccessKeyState
        {
            Exists = true,
            Id = id,
            EncryptedSecret = protector.Protect(id, secret),
            Permissions = [.. permissions],
            Status = AccessKeyStatus.Active,
            Description = description,
            CreateTime = clock.GetUtcNow(),
        };
        _keys[id] = state;
        return Task.FromResult(new CreatedAccessKey(id, secret, AccessKeyInfo.From(state)));
    }

    public Task<AccessKeyState?> GetAsync(string accessKeyId, CancellationToken cancellationToken) =>
        Task.FromResult(_keys.TryGetValue(accessKeyId, out var state) ? state : null);

    public Task<IReadOnlyList<AccessKeyInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AccessKeyInfo>>(_keys.Values.OrderBy(k => k.CreateTime).Select(AccessKeyInfo.From).ToArray());

    public Task<bool> RevokeAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        while (_keys.TryGetValue(accessKeyId, out var state))
        {
            if (state.Status == AccessKeyStatus.Revoked)
            {
                return Task.FromResult(true);
            }

            if (_keys.TryUpdate(accessKeyId, state with { Status = AccessKeyStatus.Revoked, RevokeTime = clock.GetUtcNow() }, state))
            {
                return Task.FromResult(true);
            }
        }

        return Task.FromResult(false);
    }
}
