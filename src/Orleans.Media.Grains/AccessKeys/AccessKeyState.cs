namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// An access key as stored: the secret only in encrypted form (<see cref="AccessKeySecretProtector"/>) — the
/// signature schemes (HMAC) need the plain secret back, so it cannot be hashed.
/// </summary>
public sealed record AccessKeyState
{
    public bool Exists { get; init; }

    public string Id { get; init; } = "";

    /// <summary>AES-GCM ciphertext of the secret, bound to <see cref="Id"/>.</summary>
    public byte[] EncryptedSecret { get; init; } = [];

    public IReadOnlyList<AccessKeyPermission> Permissions { get; init; } = [];

    public AccessKeyStatus Status { get; init; }

    public string? Description { get; init; }

    public DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset? RevokeTime { get; init; }
}
