using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// An access key's record: id, encrypted secret, permissions, status. Revocation is one-way: a revoked key never
/// becomes active again, and its id is never reissued.
/// </summary>
[GrainType(GrainTypeName)]
public sealed class AccessKeyGrain : Grain<AccessKeyState>, IAccessKeyGrain
{
    public const string GrainTypeName = "access-key";

    public Task<bool> Create(AccessKeyState state)
    {
        if (RecordExists || State.Exists)
        {
            return Task.FromResult(false);
        }

        State = state with { Exists = true, Status = AccessKeyStatus.Active, RevokeTime = null };
        return Task.FromResult(true);
    }

    public Task<AccessKeyState?> Get() => Task.FromResult(State.Exists ? State : null);

    public Task<bool> Revoke(DateTimeOffset when)
    {
        if (!State.Exists)
        {
            return Task.FromResult(false);
        }

        if (State.Status != AccessKeyStatus.Revoked)
        {
            State = State with { Status = AccessKeyStatus.Revoked, RevokeTime = when };
        }

        return Task.FromResult(true);
    }
}
