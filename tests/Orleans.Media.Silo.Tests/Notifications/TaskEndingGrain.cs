using Orleans.Media.Grains;
using Orleans.Media.Grains.Notifications;
using Orleans.Runtime;

namespace Orleans.Media.Silo.Tests.Notifications;

[GenerateSerializer]
public sealed record TaskEndingState
{
    [Id(0)] public bool Ended { get; init; }

    [Id(1)] public NotificationMessage? Message { get; init; }

    [Id(2)] public IReadOnlyList<string> Outbox { get; init; } = [];
}

/// <summary>The task grain's outbox pattern, alone: write the end with its outbox, then send, then clear the outbox.</summary>
public sealed class TaskEndingGrain(
    [PersistentState("task-ending", MediaProviders.Storage)] IPersistentState<TaskEndingState> state) : Grain, ITaskEndingGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        state.State.Outbox.Count > 0 ? FlushAsync() : Task.CompletedTask;

    public async Task End(NotificationMessage message, string[] topics, bool failBeforeWrite, bool stopAfterWrite)
    {
        if (failBeforeWrite)
        {
            throw new InvalidOperationException("The task's end failed before its state was written.");
        }

        state.State = new TaskEndingState { Ended = true, Message = message, Outbox = topics };
        await state.WriteStateAsync();
        if (stopAfterWrite)
        {
            DeactivateOnIdle();
            return;
        }

        await FlushAsync();
    }

    public Task<IReadOnlyList<string>> Outbox() => Task.FromResult(state.State.Outbox);

    private async Task FlushAsync()
    {
        foreach (var topic in state.State.Outbox)
        {
            await GrainFactory.GetGrain<INotificationGrain>(state.State.Message!.Id).Send(state.State.Message, topic);
        }

        state.State = state.State with { Outbox = [] };
        await state.WriteStateAsync();
    }
}
