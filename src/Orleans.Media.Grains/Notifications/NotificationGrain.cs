using Orleans.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains.Indexing;
using Orleans.Media.Grains.Work;
using Orleans.Runtime;

namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// Owns one message's deliveries. Attempts run in a grain timer's turns, one topic at a time; a failure is retried
/// with exponential backoff (<see cref="WorkOptions.RetryBaseDelay"/>) until the topic's <c>MaxAttempts</c>, then
/// dead-lettered. While a delivery is pending the grain holds a reminder, so a silo that dies mid-way only delays it.
/// </summary>
[GrainType(GrainTypeName)]
[WorkerPlacementFilter]
public sealed class NotificationGrain(
    [PersistentState("notification", MediaProviders.Storage)] IPersistentState<NotificationState> state,
    INotificationTopics topics,
    INotificationSinks sinks,
    StateIndex index,
    IOptions<WorkOptions> work,
    TimeProvider time,
    ILogger<NotificationGrain> logger) : Grain, INotificationGrain, IRemindable
{
    public const string GrainTypeName = "notification";

    /// <summary>The reminder a message with a pending delivery holds.</summary>
    public const string DeliveryReminder = "deliver";

    private IGrainTimer? _timer;

    private NotificationState State => state.State;

    private string MessageId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Message is null)
        {
            return;
        }

        // Repairs an index copy lost to a crash between the two writes (written again at the next activation if lost).
        await index.WriteAheadAsync(GrainTypeName, MessageId, State.Project, State.Revision, State);
        ScheduleAttempts();
    }

    public async Task Send(NotificationMessage message, string topic)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (message.Id != MessageId)
        {
            throw new ArgumentException($"Message {message.Id} sent to the notification grain {MessageId}.", nameof(message));
        }

        var next = NotificationTransitions.Send(State, message, topic, topics.Exists(topic), time.GetUtcNow());
        if (ReferenceEquals(next, State))
        {
            return;
        }

        // The reminder first: a silo that dies between the two writes leaves a reminder with nothing to do (it
        // unregisters itself), never a pending delivery without a reminder.
        var pending = next.Deliveries.Single(d => d.Topic == topic).Status == NotificationStatus.Pending;
        if (pending)
        {
            await this.RegisterOrUpdateReminder(DeliveryReminder, work.Value.ReminderPeriod, work.Value.ReminderPeriod);
        }

        await WriteAsync(next);
        if (pending)
        {
            NotificationLog.Scheduled(logger, message.Id, message.Type, topic);
        }
        else
        {
            NotificationLog.DeadLettered(logger, message.Id, topic, 0, NotificationTransitions.UnknownTopic(topic));
        }

        ScheduleAttempts();
    }

    public async Task<NotificationState> Replay()
    {
        var next = NotificationTransitions.Replay(State, MessageId, topics.Exists, time.GetUtcNow());
        var replayed = next.Deliveries.Where(d => d.Status == NotificationStatus.Pending)
            .Select(d => d.Topic).Except(State.Deliveries.Where(d => d.Status == NotificationStatus.Pending).Select(d => d.Topic)).ToList();
        await this.RegisterOrUpdateReminder(DeliveryReminder, work.Value.ReminderPeriod, work.Value.ReminderPeriod);
        await WriteAsync(next);
        foreach (var topic in replayed)
        {
            NotificationLog.Replayed(logger, MessageId, topic);
        }

        ScheduleAttempts();
        return State;
    }

    public Task<NotificationState?> Get() => Task.FromResult(State.Message is null ? null : State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (NotificationTransitions.NextDue(State) is null)
        {
            if (await this.GetReminder(reminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        ScheduleAttempts();
    }

    /// <summary>Points the timer at the next due delivery (none pending: no timer).</summary>
    private void ScheduleAttempts()
    {
        if (NotificationTransitions.NextDue(State) is not { } due)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }

        var delay = due - time.GetUtcNow();
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(AttemptDueAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task AttemptDueAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var delivery in NotificationTransitions.Due(State, time.GetUtcNow()))
            {
                await AttemptAsync(delivery, cancellationToken);
            }
        }
        finally
        {
            ScheduleAttempts();
        }

        if (NotificationTransitions.NextDue(State) is null && await this.GetReminder(DeliveryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task AttemptAsync(NotificationDelivery delivery, CancellationToken cancellationToken)
    {
        var message = State.Message!;
        var topic = delivery.Topic;
        if (!topics.Exists(topic))
        {
            await WriteAsync(NotificationTransitions.TopicGone(State, topic, time.GetUtcNow()));
            NotificationLog.DeadLettered(logger, message.Id, topic, delivery.Attempts, NotificationTransitions.UnknownTopic(topic));
            return;
        }

        var settings = topics.Get(topic);
        try
        {
            await sinks.Get(topic).DeliverAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            var round = delivery.RoundAttempts + 1;
            NotificationLog.AttemptFailed(logger, message.Id, topic, round, settings.MaxAttempts, e.Message);
            var failed = NotificationTransitions.Failed(State, topic, e.Message, settings.MaxAttempts, work.Value.RetryDelay(round + 1), time.GetUtcNow());
            await WriteAsync(failed);
            if (failed.Deliveries.Single(d => d.Topic == topic).Status == NotificationStatus.DeadLettered)
            {
                NotificationLog.DeadLettered(logger, message.Id, topic, round, e.Message);
            }

            return;
        }

        await WriteAsync(NotificationTransitions.Delivered(State, topic, time.GetUtcNow()));
        NotificationLog.Delivered(logger, message.Id, topic, delivery.RoundAttempts + 1);
    }

    /// <summary>Writes the state, then its index copy; a stale activation (InconsistentStateException) goes away.</summary>
    private async Task WriteAsync(NotificationState next)
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
            _timer?.Dispose();
            _timer = null;
            DeactivateOnIdle();
            throw;
        }

        await WriteIndexAsync();
    }

    private Task WriteIndexAsync() => index.WriteAsync(GrainTypeName, MessageId, State.Project, State.Revision, State);
}
