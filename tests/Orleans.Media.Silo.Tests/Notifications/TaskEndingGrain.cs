using Orleans.Media.Grains.Notifications;
using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Tests.Notifications;

public sealed record TaskEndingState
{
    public bool Ended { get; init; }
}

[GrainType("test-task-ending")]
public sealed class TaskEndingGrain : Grain<TaskEndingState>, ITaskEndingGrain
{
    public async Task End(NotificationMessage message, string[] topics, bool failAfterSending)
    {
        foreach (var topic in topics)
        {
            await GrainFactory.GetGrain<INotificationGrain>(message.Id).Send(message, topic);
        }
        State = new TaskEndingState { Ended = true };
        if (failAfterSending)
        {
            throw new InvalidOperationException("The task turn failed after sending.");
        }
    }
}
