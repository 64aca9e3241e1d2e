using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Grains.Tests.Notifications;

/// <summary>The notification state machine: per topic Pending → Delivered | DeadLettered, retries, Replay.</summary>
public sealed class NotificationTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly NotificationMessage Message = ImmNotifications.TaskEnded("media-project", "FileUncompression",
        "FileUncompression-0b6c3f3e-1111-4a4a-9b9b-123456789abc", "REQ-1", "Succeeded", null, null, Now.AddSeconds(-3), Now, null);

    private static NotificationState Sent(string topic = "hook", bool exists = true) =>
        NotificationTransitions.Send(new NotificationState(), Message, topic, exists, Now);

    private static NotificationDelivery Delivery(NotificationState state, string topic = "hook") => state.Deliveries.Single(d => d.Topic == topic);

    [Fact]
    public void Send_records_one_pending_delivery_due_now_with_the_message_and_its_project()
    {
        var s = Sent();

        Assert.Equal(Message, s.Message);
        Assert.Equal("media-project", s.Project);
        Assert.Equal(NotificationStatus.Pending, s.Status);
        Assert.Equal(Now, s.CreatedAt);
        var d = Delivery(s);
        Assert.Equal((NotificationStatus.Pending, 0, 0, 0), (d.Status, d.Attempts, d.Replays, d.RoundAttempts));
        Assert.Equal(Now, NotificationTransitions.NextDue(s));
        Assert.Equal([d], NotificationTransitions.Due(s, Now));
    }

    [Fact]
    public void Send_is_idempotent_per_topic_and_keeps_the_first_message()
    {
        var s = Sent();
        var again = NotificationTransitions.Send(s, Message, "hook", topicExists: true, Now.AddSeconds(5));
        Assert.Same(s, again); // Unchanged: the grain writes nothing.

        var other = Message with { Content = "{\"ProjectName\":\"elsewhere\"}" };
        var second = NotificationTransitions.Send(s, other, "mq", topicExists: true, Now.AddSeconds(5));
        Assert.Equal(["hook", "mq"], second.Deliveries.Select(d => d.Topic));
        Assert.Equal(Message, second.Message); // Every topic gets the message as first stored.
        Assert.Equal("media-project", second.Project);
        Assert.Equal(Now, second.CreatedAt);
    }

    [Fact]
    public void A_topic_that_is_not_configured_is_dead_lettered_at_once_without_an_attempt()
    {
        var s = Sent("removed", exists: false);

        var d = Delivery(s, "removed");
        Assert.Equal(NotificationStatus.DeadLettered, d.Status);
        Assert.Equal(0, d.Attempts);
        Assert.Contains("'removed' does not exist", d.LastError, StringComparison.Ordinal);
        Assert.Equal(NotificationStatus.DeadLettered, s.Status);
        Assert.Null(NotificationTransitions.NextDue(s));
    }

    [Fact]
    public void A_failure_is_retried_after_its_delay_then_dead_lettered_after_MaxAttempts()
    {
        var s = Sent();

        s = NotificationTransitions.Failed(s, "hook", "503", maxAttempts: 3, TimeSpan.FromSeconds(1), Now);
        Assert.Equal((NotificationStatus.Pending, 1, 1, "503"), (Delivery(s).Status, Delivery(s).Attempts, Delivery(s).RoundAttempts, Delivery(s).LastError));
        Assert.Equal(Now.AddSeconds(1), NotificationTransitions.NextDue(s));
        Assert.Empty(NotificationTransitions.Due(s, Now.AddMilliseconds(999)));
        Assert.Single(NotificationTransitions.Due(s, Now.AddSeconds(1)));

        s = NotificationTransitions.Failed(s, "hook", "502", maxAttempts: 3, TimeSpan.FromSeconds(2), Now.AddSeconds(1));
        Assert.Equal(NotificationStatus.Pending, s.Status);
        Assert.Equal(Now.AddSeconds(3), NotificationTransitions.NextDue(s));

        s = NotificationTransitions.Failed(s, "hook", "500", maxAttempts: 3, TimeSpan.FromSeconds(4), Now.AddSeconds(3));
        var dead = Delivery(s);
        Assert.Equal((NotificationStatus.DeadLettered, 3, "500"), (dead.Status, dead.Attempts, dead.LastError));
        Assert.Null(dead.NextAttemptAt);
        Assert.Equal(NotificationStatus.DeadLettered, s.Status);
        Assert.Null(NotificationTransitions.NextDue(s)); // Nothing more after the limit.
        Assert.Empty(NotificationTransitions.Due(s, Now.AddYears(1)));
    }

    [Fact]
    public void Delivered_clears_the_error_and_the_summary_needs_every_topic()
    {
        var s = NotificationTransitions.Send(Sent(), Message, "mq", topicExists: true, Now);
        s = NotificationTransitions.Failed(s, "hook", "503", maxAttempts: 5, TimeSpan.FromSeconds(1), Now);
        s = NotificationTransitions.Delivered(s, "hook", Now.AddSeconds(1));

        Assert.Equal((NotificationStatus.Delivered, 2, (string?)null), (Delivery(s).Status, Delivery(s).Attempts, Delivery(s).LastError));
        Assert.Equal(NotificationStatus.Pending, s.Status); // mq is still on its way.
        s = NotificationTransitions.Delivered(s, "mq", Now.AddSeconds(2));
        Assert.Equal(NotificationStatus.Delivered, s.Status);
        Assert.Equal(Now.AddSeconds(2), s.UpdatedAt);
    }

    [Fact]
    public void Replay_redelivers_finished_configured_topics_in_a_new_round()
    {
        var s = NotificationTransitions.Send(Sent(), Message, "mq", topicExists: true, Now);
        s = NotificationTransitions.Failed(s, "hook", "500", maxAttempts: 1, TimeSpan.Zero, Now);
        s = NotificationTransitions.Delivered(s, "mq", Now);

        var replayed = NotificationTransitions.Replay(s, Message.Id, _ => true, Now.AddMinutes(1));

        Assert.Equal(NotificationStatus.Pending, replayed.Status);
        Assert.All(replayed.Deliveries, d => Assert.Equal((NotificationStatus.Pending, 1, 0), (d.Status, d.Replays, d.RoundAttempts)));
        Assert.Equal(1, Delivery(replayed).Attempts); // Attempts count across rounds.
        Assert.Equal(Now.AddMinutes(1), NotificationTransitions.NextDue(replayed));
        Assert.Equal(Message, replayed.Message); // Same message, same id.
        // A new round has its own MaxAttempts.
        var failedAgain = NotificationTransitions.Failed(replayed, "hook", "500", maxAttempts: 2, TimeSpan.FromSeconds(1), Now.AddMinutes(1));
        Assert.Equal(NotificationStatus.Pending, Delivery(failedAgain).Status);
    }

    [Fact]
    public void Replay_keeps_unconfigured_topics_dead_lettered_and_pending_ones_untouched()
    {
        var s = NotificationTransitions.Send(Sent("gone", exists: false), Message, "hook", topicExists: true, Now);
        s = NotificationTransitions.Send(s, Message, "busy", topicExists: true, Now);
        s = NotificationTransitions.Delivered(s, "hook", Now);

        var replayed = NotificationTransitions.Replay(s, Message.Id, t => t != "gone", Now.AddMinutes(1));

        Assert.Equal(NotificationStatus.DeadLettered, Delivery(replayed, "gone").Status);
        Assert.Equal(0, Delivery(replayed, "gone").Replays);
        Assert.Equal((NotificationStatus.Pending, 1), (Delivery(replayed, "hook").Status, Delivery(replayed, "hook").Replays));
        Assert.Equal(Delivery(s, "busy"), Delivery(replayed, "busy"));
        Assert.Equal(NotificationStatus.DeadLettered, replayed.Status); // The summary still shows what needs an operator.
    }

    [Fact]
    public void Replay_is_refused_for_an_unknown_message_while_all_is_pending_or_with_only_unconfigured_topics()
    {
        Assert.Equal("ResourceNotFound", Assert.Throws<ServiceException>(() =>
            NotificationTransitions.Replay(new NotificationState(), "nope", _ => true, Now)).Code);
        Assert.Equal("StatusConflict", Assert.Throws<ServiceException>(() =>
            NotificationTransitions.Replay(Sent(), Message.Id, _ => true, Now)).Code);
        var unknown = Assert.Throws<ServiceException>(() =>
            NotificationTransitions.Replay(Sent("gone", exists: false), Message.Id, _ => false, Now));
        Assert.Equal("InvalidArgument", unknown.Code);
        Assert.Contains("gone", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_removed_while_pending_is_dead_lettered_until_replayed()
    {
        var s = NotificationTransitions.TopicGone(Sent(), "hook", Now.AddSeconds(1));

        Assert.Equal(NotificationStatus.DeadLettered, Delivery(s).Status);
        Assert.Contains("'hook' does not exist", Delivery(s).LastError, StringComparison.Ordinal);
        Assert.Null(NotificationTransitions.NextDue(s));
    }
}
