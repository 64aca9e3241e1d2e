namespace Orleans.Media.Runtime.Tests.Grains;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    [ReadOnly]
    Task<int> Get();

    [ReadOnly]
    Task<CounterState> GetState();

    /// <summary>Violates [ReadOnly]: changes state.</summary>
    [ReadOnly]
    Task<int> GetAndMutate();

    /// <summary>Violates [ReadOnly]: schedules a job.</summary>
    [ReadOnly]
    Task GetAndSchedule();

    /// <summary>Changes state, schedules a job, registers a reminder, publishes events, then throws.</summary>
    Task IncrementThenThrow(string probe);

    /// <summary>Increments itself, then the other grain inside the same turn.</summary>
    Task<int> IncrementBoth(string otherKey);

    /// <summary>Calls the other grain, which calls back into this one (reentrant, same turn).</summary>
    Task<int> CallBack(string otherKey);

    Task<int> IncrementCaller(string callerKey);

    /// <summary>Increments itself, then reads the other grain with a nested [ReadOnly] call; returns what it read.</summary>
    Task<int> IncrementAndRead(string otherKey);

    /// <summary>Increments the other grain, then reads it with a nested [ReadOnly] call in the same turn.</summary>
    Task<int> IncrementOtherThenRead(string otherKey);

    /// <summary>Reads the other grain ([ReadOnly]), holds the turn open at <paramref name="gate"/>, then increments itself.</summary>
    Task<int> ReadOtherThenHold(string otherKey, string gate);

    /// <summary>Calls a failing method on another grain and swallows the exception.</summary>
    Task<int> IncrementAndSwallowNestedFailure(string otherKey, string probe);

    Task Set(string? tag, int priority, DateTimeOffset? stamp, string? partition);

    /// <summary>Sets one entry of the Labels dictionary (keys may hold '-').</summary>
    Task Label(string key, string value);

    Task<Guid> StartJob(string kind, string payload, string? partition, int maxAttempts);

    Task Cancel(Guid jobId);

    Task Publish(string type, int value, string? secondStream);

    Task RegisterReminder(string name, int dueMs, int periodMs);

    Task Unregister(string name);

    /// <summary>ClearState(); if <paramref name="thenIncrement"/>, increments afterwards in the same turn.</summary>
    Task<int> Clear(bool thenIncrement);

    /// <summary>ClearState(), then throws: the clear must roll back.</summary>
    Task ClearThenThrow();

    /// <summary>Violates [ReadOnly]: clears the state.</summary>
    [ReadOnly]
    Task ClearInReadOnly();
}
