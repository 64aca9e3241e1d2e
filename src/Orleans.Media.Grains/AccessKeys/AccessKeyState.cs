namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// An access key as stored: the secret only in encrypted form (<see cref="AccessKeySecretProtector"/>) — the
/// signature schemes (HMAC) need the plain secret back, so it cannot be hashed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AccessKeyState
{
    [Id(0)] public bool Exists { get; init; }

    [Id(1)] public string Id { get; init; } = "";

    /// <summary>AES-GCM ciphertext of the secret, bound to <see cref="Id"/>.</summary>
    [Id(2)] public byte[] EncryptedSecret { get; init; } = [];

    [Id(3)] public IReadOnlyList<AccessKeyPermission> Permissions { get; init; } = [];

    [Id(4)] public AccessKeyStatus Status { get; init; }

    [Id(5)] public string? Description { get; init; }

    [Id(6)] public DateTimeOffset CreateTime { get; init; }

    [Id(7)] public DateTimeOffset? RevokeTime { get; init; }

    /// <summary>Increases with every write: orders the listing index's copies.</summary>
    [Id(8)] public long Revision { get; init; }
}
