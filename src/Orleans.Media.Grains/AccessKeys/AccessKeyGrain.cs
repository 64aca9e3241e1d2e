using Orleans.Storage;
using Orleans.Media.Grains.Indexing;
using Orleans.Runtime;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// An access key's record: id, encrypted secret, permissions, status. Revocation is one-way: a revoked key never
/// becomes active again, and its id is never reissued.
/// </summary>
[GrainType(GrainTypeName)]
public sealed class AccessKeyGrain(
    [PersistentState("access-key", MediaProviders.Storage)] IPersistentState<AccessKeyState> state,
    StateIndex index) : Grain, IAccessKeyGrain
{
    public const string GrainTypeName = "access-key";

    private AccessKeyState State => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        // Repairs an index copy lost to a crash (written again at the next activation if lost).
        State.Exists ? index.WriteAheadAsync(GrainTypeName, this.GetPrimaryKeyString(), null, State.Revision, IndexView) : Task.CompletedTask;

    public async Task<bool> Create(AccessKeyState created)
    {
        if (state.RecordExists || State.Exists)
        {
            return false;
        }

        await WriteAsync(created with { Exists = true, Status = AccessKeyStatus.Active, RevokeTime = null });
        return true;
    }

    public Task<AccessKeyState?> Get() => Task.FromResult(State.Exists ? State : null);

    public async Task<bool> Revoke(DateTimeOffset when)
    {
        if (!State.Exists)
        {
            return false;
        }

        if (State.Status != AccessKeyStatus.Revoked)
        {
            await WriteAsync(State with { Status = AccessKeyStatus.Revoked, RevokeTime = when });
        }

        return true;
    }

    private async Task WriteAsync(AccessKeyState next)
    {
        var previous = State;
        state.State = next with { Revision = previous.Revision + 1 };
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            state.State = previous;
            DeactivateOnIdle();
            throw;
        }

        await WriteIndexAsync();
    }

    // The index copy carries no secret, not even encrypted.
    private Task WriteIndexAsync() =>
        index.WriteAsync(GrainTypeName, this.GetPrimaryKeyString(), null, State.Revision, IndexView);

    /// <summary>The listing's copy: without the secret.</summary>
    private AccessKeyState IndexView => State with { EncryptedSecret = [] };
}
