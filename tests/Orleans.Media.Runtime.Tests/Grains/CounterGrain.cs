namespace Orleans.Media.Runtime.Tests.Grains;

[GrainType("counter")]
public sealed class CounterGrain(IClusterMembership membership) : Grain<CounterState>, ICounterGrain, IJobOutcomeReceiver, IRemindable
{
    public Task<int> Increment()
    {
        State = State with { Count = State.Count + 1 };
        return Task.FromResult(State.Count);
    }

    public Task<int> Get() => Task.FromResult(State.Count);

    public Task<CounterState> GetState() => Task.FromResult(State);

    public Task<int> GetAndMutate()
    {
        State = State with { Count = State.Count + 100 };
        return Task.FromResult(State.Count);
    }

    public Task GetAndSchedule()
    {
        ScheduleJob(new JobRequest("echo", "x"));
        return Task.CompletedTask;
    }

    public Task IncrementThenThrow(string probe)
    {
        State = State with { Count = State.Count + 1 };
        ScheduleJob(new JobRequest("echo", probe));
        RegisterOrUpdateReminder("r-" + probe, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        PublishEvent(new StreamId("counter", GrainId.Key), "incremented", new { probe });
        throw new InvalidOperationException("boom " + probe);
    }

    public async Task<int> IncrementBoth(string otherKey)
    {
        State = State with { Count = State.Count + 1 };
        var other = await GrainFactory.GetGrain<ICounterGrain>(otherKey).Increment();
        return State.Count + other;
    }

    public Task<int> CallBack(string otherKey) => GrainFactory.GetGrain<ICounterGrain>(otherKey).IncrementCaller(GrainId.Key);

    public async Task<int> IncrementCaller(string callerKey)
    {
        State = State with { Count = State.Count + 1 };
        return await GrainFactory.GetGrain<ICounterGrain>(callerKey).Increment();
    }

    public async Task<int> IncrementAndRead(string otherKey)
    {
        State = State with { Count = State.Count + 1 };
        return await GrainFactory.GetGrain<ICounterGrain>(otherKey).Get();
    }

    public async Task<int> IncrementOtherThenRead(string otherKey)
    {
        var other = GrainFactory.GetGrain<ICounterGrain>(otherKey);
        await other.Increment();
        return await other.Get();
    }

    public async Task<int> ReadOtherThenHold(string otherKey, string gate)
    {
        var seen = await GrainFactory.GetGrain<ICounterGrain>(otherKey).Get();
        await TurnGates.PassAsync(gate);
        State = State with { Count = State.Count + 1 };
        return seen;
    }

    public async Task<int> IncrementAndSwallowNestedFailure(string otherKey, string probe)
    {
        State = State with { Count = State.Count + 1 };
        try
        {
            await GrainFactory.GetGrain<ICounterGrain>(otherKey).IncrementThenThrow(probe);
        }
        catch (InvalidOperationException)
        {
            // The callee's state and effects must be gone; ours stay.
        }

        return State.Count;
    }

    public Task Set(string? tag, int priority, DateTimeOffset? stamp, string? partition)
    {
        State = State with { Tag = tag, Priority = priority, Stamp = stamp };
        Partition = partition;
        return Task.CompletedTask;
    }

    public Task Label(string key, string value)
    {
        State = State with { Labels = new Dictionary<string, string>(State.Labels ?? new Dictionary<string, string>()) { [key] = value } };
        return Task.CompletedTask;
    }

    public Task<Guid> StartJob(string kind, string payload, string? partition, int maxAttempts) =>
        Task.FromResult(ScheduleJob(new JobRequest(kind, payload) { Partition = partition, MaxAttempts = maxAttempts }));

    public Task Cancel(Guid jobId)
    {
        base.CancelJob(jobId);
        return Task.CompletedTask;
    }

    public Task Publish(string type, int value, string? secondStream)
    {
        PublishEvent(new StreamId("counter", GrainId.Key), type, new CounterEvent(GrainId.Key, value));
        if (secondStream is not null)
        {
            PublishEvent(new StreamId("group", secondStream), type, new CounterEvent(GrainId.Key, value));
        }

        return Task.CompletedTask;
    }

    public Task RegisterReminder(string name, int dueMs, int periodMs)
    {
        RegisterOrUpdateReminder(name, TimeSpan.FromMilliseconds(dueMs), TimeSpan.FromMilliseconds(periodMs));
        return Task.CompletedTask;
    }

    public Task Unregister(string name)
    {
        base.UnregisterReminder(name);
        return Task.CompletedTask;
    }

    public Task<int> Clear(bool thenIncrement)
    {
        ClearState();
        if (thenIncrement)
        {
            State = State with { Count = State.Count + 1 };
        }

        return Task.FromResult(State.Count);
    }

    public Task ClearThenThrow()
    {
        ClearState();
        throw new InvalidOperationException("clear refused");
    }

    public Task ClearInReadOnly()
    {
        ClearState();
        return Task.CompletedTask;
    }

    public Task OnJobCompletedAsync(JobOutcome outcome)
    {
        if (outcome.Succeeded && outcome.GetResult<string>() is { } r && r.StartsWith("poison-once", StringComparison.Ordinal)
            && ReminderProbe.Failures.AddOrUpdate(r, 1, (_, n) => n + 1) == 1)
        {
            // The first delivery of this outcome fails: it must be retried later, and must not hold up the others.
            throw new InvalidOperationException("outcome refused once");
        }

        var text = outcome.Succeeded ? $"{outcome.JobId}:ok:{outcome.GetResult<string>()}" : $"{outcome.JobId}:failed:{outcome.Attempts}";
        State = State with { Outcomes = [.. State.Outcomes, text] };
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName.StartsWith("fail", StringComparison.Ordinal) && ReminderProbe.Failures.GetValueOrDefault(GrainId.Key + "/" + reminderName) < 1)
        {
            // Fails its first tick; the tick's state change must roll back and the tick be retried.
            State = State with { Ticks = [.. State.Ticks, reminderName + ":attempt"] };
            ReminderProbe.Failures.AddOrUpdate(GrainId.Key + "/" + reminderName, 1, (_, n) => n + 1);
            throw new InvalidOperationException("tick fails once");
        }

        State = State with { Ticks = [.. State.Ticks, reminderName + "@" + membership.LocalSiloName] };
        return Task.CompletedTask;
    }
}

public sealed record CounterEvent(string Key, int Value);
