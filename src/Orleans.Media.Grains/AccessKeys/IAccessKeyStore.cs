namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// Access keys: create (returns the plain secret once), read (for signature checks), list, revoke. Secrets are
/// stored encrypted with <see cref="AccessKeySecretProtector"/>.
/// </summary>
public interface IAccessKeyStore
{
    Task<CreatedAccessKey> CreateAsync(IReadOnlyList<AccessKeyPermission> permissions, string? description, CancellationToken cancellationToken);

    /// <summary>The stored key (secret still encrypted), or null when no key has that id.</summary>
    Task<AccessKeyState?> GetAsync(string accessKeyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AccessKeyInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Revokes the key; false when it does not exist. Revoking twice is harmless.</summary>
    Task<bool> RevokeAsync(string accessKeyId, CancellationToken cancellationToken);
}
