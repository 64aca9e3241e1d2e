using System.Text;
using Orleans.Media.Grains;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Silo.Notifications;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>Durable webhook delivery through the notification grain (attempts in grain timer turns, a reminder while pending), to a real Kestrel receiver.</summary>
public sealed class WebhookDeliveryTests
{
    private const string Secret = "whsec-0123456789abcdef";
    private const string Topic = "imm-task-events";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Delivered_message_is_signed_and_verifies_with_the_documented_recipe()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        var state = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);

        var request = Assert.Single(receiver.Received);
        Assert.True(request.SignatureValid, "the receiver could not verify the signature with the README recipe");
        Assert.Equal(message.Id, request.MessageId);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal(message, NotificationJson.Deserialize(request.Body));
        Assert.Contains("\"source\":\"acs.imm\"", Encoding.UTF8.GetString(request.Body), StringComparison.Ordinal);
        // The recipe really depends on the body and on the secret.
        var tampered = request.Body.ToArray();
        tampered[^2] ^= 1;
        Assert.False(WebhookReceiver.VerifyByRecipe(Secret, request.Timestamp, request.Signature, tampered, DateTimeOffset.UtcNow));
        Assert.False(WebhookReceiver.VerifyByRecipe(Secret + "x", request.Timestamp, request.Signature, request.Body, DateTimeOffset.UtcNow));

        var delivery = Assert.Single(state.Deliveries);
        Assert.Equal(Topic, delivery.Topic);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal("notify-project", state.Project);
        await cluster.WaitForNoReminderAsync(message.Id, Timeout); // Nothing pending: the reminder is gone.
    }

    [Fact]
    public async Task A_receiver_failing_three_times_gets_the_message_once_it_recovers_with_backoff_between_attempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        receiver.Respond = n => (n < 3 ? 503 : 204, TimeSpan.Zero);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 6));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        var state = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);

        var requests = receiver.Received;
        Assert.Equal(4, requests.Count);
        Assert.Equal([503, 503, 503, 204], requests.Select(r => r.Answered));
        Assert.Single(requests, r => r.Answered is >= 200 and < 300);
        Assert.All(requests, r => Assert.Equal(message.Id, r.MessageId));
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body)); // The same message, byte for byte.
        Assert.All(requests, r => Assert.True(r.SignatureValid));
        // Exponential backoff (OrleansMedia:Work:RetryBaseDelay 100 ms in tests, ±20 % jitter): gaps of at least 80, 160 and 320 ms.
        for (var i = 1; i < requests.Count; i++)
        {
            var minimum = TimeSpan.FromMilliseconds(0.8 * 100 * (1 << (i - 1)) - 20);
            Assert.True(requests[i].At - requests[i - 1].At >= minimum, $"attempt {i + 1} came {requests[i].At - requests[i - 1].At} after the previous one");
        }
        Assert.Equal(4, Assert.Single(state.Deliveries).Attempts);
    }

    [Fact]
    public async Task After_MaxAttempts_failures_the_message_is_dead_lettered_and_replay_redelivers_it_with_the_same_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var healthy = false;
        receiver.Respond = _ => (Volatile.Read(ref healthy) ? 200 : 500, TimeSpan.Zero);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        var dead = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.DeadLettered, Timeout);

        Assert.Equal(3, receiver.Received.Count);
        var deadDelivery = Assert.Single(dead.Deliveries);
        Assert.Equal(NotificationStatus.DeadLettered, deadDelivery.Status);
        Assert.Equal(3, deadDelivery.Attempts);
        Assert.Contains("500", deadDelivery.LastError, StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Equal(3, receiver.Received.Count); // Nothing more after the limit.

        Volatile.Write(ref healthy, true);
        var replaying = await cluster.Grain(message.Id).Replay();
        Assert.Equal(NotificationStatus.Pending, replaying.Status);
        var delivered = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);

        var last = receiver.Received[^1];
        Assert.Equal(4, receiver.Received.Count);
        Assert.Equal(200, last.Answered);
        Assert.Equal(message.Id, last.MessageId);
        Assert.Equal(receiver.Received[0].Body, last.Body);
        var delivery = Assert.Single(delivered.Deliveries);
        Assert.Equal(1, delivery.Replays);
        Assert.Equal(4, delivery.Attempts);
        Assert.Null(delivery.LastError);

        // A delivered message can be replayed too (a receiver that lost it): once more, same id.
        await cluster.Grain(message.Id).Replay();
        await receiver.WaitForAsync(r => r.Count == 5, Timeout);
        await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);
        Assert.Equal(message.Id, receiver.Received[^1].MessageId);
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_fails_the_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        receiver.Respond = _ => (200, TimeSpan.FromSeconds(5));
        await using var cluster = await NotificationCluster.StartAsync(
            NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 1, timeoutSeconds: 1));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        Assert.Equal(1, await cluster.RemindersAsync(message.Id)); // Pending (the attempt waits for the slow receiver): a reminder.
        var dead = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.DeadLettered, Timeout);

        Assert.Contains("did not answer within 1 s", Assert.Single(dead.Deliveries).LastError, StringComparison.Ordinal);
        await cluster.WaitForNoReminderAsync(message.Id, Timeout); // Dead-lettered: nothing pending, no reminder.
    }

    [Fact]
    public async Task Send_is_idempotent_per_message_and_topic()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        await cluster.Grain(message.Id).Send(message, Topic);
        var delivered = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);
        await cluster.Grain(message.Id).Send(message, Topic);
        await Task.Delay(500);

        Assert.Single(receiver.Received);
        // Nothing changed: same delivery, attempts and timestamps (compared as JSON: the record holds a list).
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(delivered), System.Text.Json.JsonSerializer.Serialize(await cluster.Grain(message.Id).Get()));
        Assert.Single(delivered.Deliveries);
    }

    [Fact]
    public async Task A_topic_no_longer_configured_dead_letters_the_delivery_without_failing_the_sender()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var message = TestMessages.TaskEnded();

        // The task's end turn must commit even if its topic was removed from the configuration after creation.
        await cluster.Grain(message.Id).Send(message, "removed-topic");
        await cluster.Grain(message.Id).Send(message, Topic);
        var state = await cluster.WaitForAsync(message.Id, s => s.Deliveries.Any(d => d.Topic == Topic && d.Status == NotificationStatus.Delivered),
            "delivered to the configured topic", Timeout);

        Assert.Single(receiver.Received);
        Assert.Equal(NotificationStatus.DeadLettered, state.Status); // The summary shows what needs an operator.
        var removed = state.Deliveries.Single(d => d.Topic == "removed-topic");
        Assert.Equal(NotificationStatus.DeadLettered, removed.Status);
        Assert.Contains("'removed-topic' does not exist", removed.LastError, StringComparison.Ordinal);
        Assert.Equal(0, removed.Attempts);

        // Replay redelivers what it can (the configured topic) and leaves the unknown one dead-lettered.
        var replayed = await cluster.Grain(message.Id).Replay();
        Assert.Equal(NotificationStatus.Pending, replayed.Deliveries.Single(d => d.Topic == Topic).Status);
        Assert.Equal(NotificationStatus.DeadLettered, replayed.Deliveries.Single(d => d.Topic == "removed-topic").Status);
        await receiver.WaitForAsync(r => r.Count == 2, Timeout);
    }

    [Fact]
    public async Task Replaying_an_unknown_message_or_only_unconfigured_topics_is_refused()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var message = TestMessages.TaskEnded();
        await cluster.Grain(message.Id).Send(message, "removed-topic");

        var unknownMessage = await Assert.ThrowsAsync<ServiceException>(() => cluster.Grain("0123456789abcdef0123456789abcdef").Replay());
        var unknownTopic = await Assert.ThrowsAsync<ServiceException>(() => cluster.Grain(message.Id).Replay());

        Assert.Equal("ResourceNotFound", unknownMessage.Code);
        Assert.Equal("InvalidArgument", unknownTopic.Code);
        Assert.Contains("removed-topic", unknownTopic.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task A_notification_leaves_only_from_a_written_end_through_the_outbox_which_survives_the_activation()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var failed = TestMessages.TaskEnded();
        var ended = TestMessages.TaskEnded();
        var handedOver = TestMessages.TaskEnded();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            cluster.Cluster.Client.GetGrain<ITaskEndingGrain>("task-a").End(failed, [Topic], failBeforeWrite: true, stopAfterWrite: false));
        await cluster.Cluster.Client.GetGrain<ITaskEndingGrain>("task-b").End(ended, [Topic], failBeforeWrite: false, stopAfterWrite: false);
        // Written, then the activation went away before sending: the next activation sends from the outbox.
        await cluster.Cluster.Client.GetGrain<ITaskEndingGrain>("task-c").End(handedOver, [Topic], failBeforeWrite: false, stopAfterWrite: true);
        await cluster.WaitForStatusAsync(ended.Id, NotificationStatus.Delivered, Timeout);
        var deadline = DateTime.UtcNow + Timeout;
        while ((await cluster.Cluster.Client.GetGrain<ITaskEndingGrain>("task-c").Outbox()).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await cluster.WaitForStatusAsync(handedOver.Id, NotificationStatus.Delivered, Timeout);
        await Task.Delay(500);

        Assert.Null(await cluster.Grain(failed.Id).Get()); // The failed end scheduled nothing.
        Assert.Equal(new[] { ended.Id, handedOver.Id }.Order(), receiver.Received.Select(r => r.MessageId).Order());
        Assert.Empty(await cluster.Cluster.Client.GetGrain<ITaskEndingGrain>("task-b").Outbox());
        Assert.Empty(await cluster.Cluster.Client.GetGrain<ITaskEndingGrain>("task-c").Outbox());
    }
}
