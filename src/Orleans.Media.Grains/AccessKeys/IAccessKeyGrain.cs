using Orleans.Concurrency;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>One access key, keyed by its AccessKeyId.</summary>
public interface IAccessKeyGrain : IGrainWithStringKey
{
    /// <summary>Stores a new key; false (nothing changed) when the id is already taken.</summary>
    Task<bool> Create(AccessKeyState state);

    /// <summary>The key, or null when it was never created.</summary>
    [ReadOnly]
    Task<AccessKeyState?> Get();

    /// <summary>Revokes the key; false when it does not exist. Idempotent.</summary>
    Task<bool> Revoke(DateTimeOffset when);
}
