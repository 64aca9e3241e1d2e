using Orleans.Media.Grains.AccessKeys;

namespace Orleans.Media.Silo.Security;

/// <summary>A key as signature checks need it: secret decrypted. Lives only in memory; never logged.</summary>
public sealed record ResolvedAccessKey(string Id, string Secret, IReadOnlyList<AccessKeyPermission> Permissions, AccessKeyStatus Status)
{
    public override string ToString() => $"ResolvedAccessKey {{ Id = {Id}, Status = {Status} }}";
}
