using Orleans.Media.Grains.AccessKeys;

namespace Orleans.Media.Silo.Security;

// The admin API's bodies (AccessKeyAdminApi); ToString overrides keep secrets and tokens out of any log line.

public sealed record CreateAccessKeyRequest(IReadOnlyList<string> Permissions, string? Description);

public sealed record CreateAccessKeyResponse(string AccessKeyId, string AccessKeySecret, AccessKeyInfo AccessKey)
{
    public override string ToString() => $"CreateAccessKeyResponse {{ AccessKeyId = {AccessKeyId} }}";
}

public sealed record ListAccessKeysResponse(IReadOnlyList<AccessKeyInfo> AccessKeys);

public sealed record RevokeAccessKeyResponse(string AccessKeyId, AccessKeyStatus Status);

public sealed record CreateAccessTokenRequest(long? DurationSeconds);

public sealed record CreateAccessTokenResponse(string AccessToken, DateTimeOffset Expiration)
{
    public override string ToString() => $"CreateAccessTokenResponse {{ Expiration = {Expiration} }}";
}
