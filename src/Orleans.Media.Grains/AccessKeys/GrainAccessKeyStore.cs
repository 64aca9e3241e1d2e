using Orleans.Media.Persistence.Queries;
using Orleans.Media.Persistence;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>Access keys as <see cref="AccessKeyGrain"/>s in the cluster store: every silo sees the same keys.</summary>
public sealed class GrainAccessKeyStore(
    IGrainFactory grains,
    IGrainStateQuery query,
    AccessKeySecretProtector protector,
    TimeProvider clock) : IAccessKeyStore
{
    public async Task<CreatedAccessKey> CreateAsync(IReadOnlyList<AccessKeyPermission> permissions, string? description, CancellationToken cancellationToken)
    {
        // 20 random characters make a collision practically impossible; retry anyway rather than overwrite.
        for (var attempt = 0; ; attempt++)
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
            if (await grains.GetGrain<IAccessKeyGrain>(id).Create(state))
            {
                return new CreatedAccessKey(id, secret, AccessKeyInfo.From(state));
            }

            if (attempt >= 3)
            {
                throw new InvalidOperationException("Could not allocate a fresh access key id.");
            }
        }
    }

    public Task<AccessKeyState?> GetAsync(string accessKeyId, CancellationToken cancellationToken) =>
        grains.GetGrain<IAccessKeyGrain>(accessKeyId).Get();

    public async Task<IReadOnlyList<AccessKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var keys = new List<AccessKeyInfo>();
        string? token = null;
        do
        {
            var page = await query.QueryAsync<AccessKeyState>(
                new GrainStateQuery(AccessKeyGrain.GrainTypeName) { Limit = 1000, PageToken = token }, cancellationToken);
            keys.AddRange(page.Items.Where(i => i.State.Exists).Select(i => AccessKeyInfo.From(i.State)));
            token = page.NextPageToken;
        }
        while (token is not null);

        return keys.OrderBy(k => k.CreateTime).ToArray();
    }

    public Task<bool> RevokeAsync(string accessKeyId, CancellationToken cancellationToken) =>
        grains.GetGrain<IAccessKeyGrain>(accessKeyId).Revoke(clock.GetUtcNow());
}
