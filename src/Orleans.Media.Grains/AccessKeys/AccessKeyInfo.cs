namespace Orleans.Media.Grains.AccessKeys;

/// <summary>What listing and the admin API show about a key: everything but the secret.</summary>
public sealed record AccessKeyInfo(
    string AccessKeyId,
    AccessKeyStatus Status,
    IReadOnlyList<string> Permissions,
    string? Description,
    DateTimeOffset CreateTime,
    DateTimeOffset? RevokeTime)
{
    public static AccessKeyInfo From(AccessKeyState state) => new(
        state.Id,
        state.Status,
        state.Permissions.Select(p => p.ToString()).ToArray(),
        state.Description,
        state.CreateTime,
        state.RevokeTime);
}
