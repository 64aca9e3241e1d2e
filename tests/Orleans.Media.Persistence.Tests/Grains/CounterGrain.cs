using Orleans.Media.Persistence.Hosting;

namespace Orleans.Media.Persistence.Tests.Grains;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<int> Get();

    Task Clear();

    Task<string?> GetETag();

    Task<bool> RecordExists();

    Task Deactivate();

    /// <summary>Which activation answers (a new one reads the state from storage).</summary>
    Task<Guid> Activation();
}

[GenerateSerializer]
public sealed record CounterState
{
    [Id(0)]
    public int Count { get; init; }

    [Id(1)]
    public string? Note { get; init; }
}

public sealed class CounterGrain(
    [PersistentState("counter", MediaPersistenceExtensions.MediaStorage)] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<int> Increment()
    {
        state.State = state.State with { Count = state.State.Count + 1 };
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> Get() => Task.FromResult(state.State.Count);

    public Task Clear() => state.ClearStateAsync();

    public Task<string?> GetETag() => Task.FromResult(state.Etag);

    public Task<bool> RecordExists() => Task.FromResult(state.RecordExists);

    private readonly Guid _activation = Guid.NewGuid();

    public Task<Guid> Activation() => Task.FromResult(_activation);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
