namespace Orleans.Media.Runtime.Tests.Grains;

[GrainType("registration")]
public sealed class RegistrationGrain : Grain<RegistrationState>, IRegistrationGrain
{
    public Task<int> Register(int value)
    {
        if (State.Registered)
        {
            return Task.FromResult(State.Value);
        }

        State = new RegistrationState { Registered = true, Value = value };
        PublishEvent(new StreamId("registration", GrainId.Key), "registered", new CounterEvent(GrainId.Key, value));
        return Task.FromResult(value);
    }

    public Task<int> Peek() => Task.FromResult(State.Value);

    public Task<int> AddToRegistered(int amount)
    {
        if (!State.Registered)
        {
            throw new InvalidOperationException($"{GrainId.Key} is not registered.");
        }

        State = State with { Value = State.Value + amount };
        return Task.FromResult(State.Value);
    }

    public async Task<int> RegisterWithOther(string otherKey, int value)
    {
        var other = await GrainFactory.GetGrain<IRegistrationGrain>(otherKey).Register(value);
        State = new RegistrationState { Registered = true, Value = value };
        return other;
    }
}
