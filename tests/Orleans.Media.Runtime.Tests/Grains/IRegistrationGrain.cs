namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>Methods marked [CreatesGrain], each exercising one way an assumed-new turn must fall back.</summary>
public interface IRegistrationGrain : IGrainWithStringKey
{
    /// <summary>Registers the value and publishes "registered"; if already registered, returns the stored value and
    /// writes nothing (an idempotent create).</summary>
    [CreatesGrain]
    Task<int> Register(int value);

    /// <summary>Returns the stored value; never writes.</summary>
    [CreatesGrain]
    Task<int> Peek();

    /// <summary>Adds to a registered value; throws if the grain is not registered.</summary>
    [CreatesGrain]
    Task<int> AddToRegistered(int amount);

    /// <summary>Registers another grain with a nested [CreatesGrain] call, then registers itself.</summary>
    Task<int> RegisterWithOther(string otherKey, int value);
}
