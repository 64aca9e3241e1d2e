using Microsoft.Extensions.Options;
using Orleans.Media.Grains.Notifications;
using RabbitMQ.Client;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>What a delivery survives: its silo going away mid-attempt, several topics per message, bad configuration.</summary>
public sealed class DeliveryResilienceTests
{
    private const string Secret = "whsec-resilience-0123";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_delivery_cut_by_its_silo_going_away_is_completed_by_another_silo_with_the_same_message()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = n =>
        {
            if (n == 0)
            {
                firstArrived.TrySetResult();
                return (200, TimeSpan.FromSeconds(60)); // Never answered: the silo sending it dies first.
            }
            return (200, TimeSpan.Zero);
        };
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic("crash", receiver.Url, Secret, maxAttempts: 5, timeoutSeconds: 120));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, "crash");
        await firstArrived.Task.WaitAsync(Timeout);
        var second = await cluster.Cluster.AddSiloAsync();
        // TestingHost's kill (a stop with a cancelled token; real crashes are the end-to-end suite's silo processes):
        // the attempt in flight is abandoned, the pending delivery's reminder activates the grain on the other silo.
        await cluster.Cluster.KillSiloAsync(0);
        var state = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, TimeSpan.FromSeconds(90), silo: second.Index);

        Assert.Equal(2, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(message.Id, r.MessageId));
        Assert.Equal(receiver.Received[0].Body, receiver.Received[1].Body);
        Assert.Equal(NotificationStatus.Delivered, Assert.Single(state.Deliveries).Status);
    }

    [Fact]
    public async Task A_stale_activation_is_fenced_on_its_next_write_and_a_new_one_finishes_the_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var healthy = false;
        receiver.Respond = _ => (Volatile.Read(ref healthy) ? 200 : 503, TimeSpan.Zero);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic("fenced", receiver.Url, Secret, maxAttempts: 100));
        var message = TestMessages.TaskEnded();
        var grainId = cluster.Grain(message.Id).GetGrainId();
        await cluster.Grain(message.Id).Send(message, "fenced");
        await receiver.WaitForAsync(r => r.Count >= 2, Timeout); // Retrying: an activation owns the delivery.
        Assert.True(cluster.Cluster.Cluster.TryGetGrainContext(grainId, out var stale));

        // The stored state changes behind the activation's back (another writer took it over): its ETag is stale now.
        await using (var connection = new Npgsql.NpgsqlConnection(cluster.Cluster.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var bump = new Npgsql.NpgsqlCommand("UPDATE orleans_storage SET version = version + 1 WHERE grain_key LIKE '%/' || $1", connection)
            {
                Parameters = { new() { Value = message.Id } }, // Orleans' ADO.NET storage keys a row by "<…>/<key>".
            };
            Assert.Equal(1, await bump.ExecuteNonQueryAsync());
        }

        await stale.Deactivated.WaitAsync(Timeout); // Its next write was refused (InconsistentStateException): it went away.
        Volatile.Write(ref healthy, true);
        var state = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);

        Assert.True(cluster.Cluster.Cluster.TryGetGrainContext(grainId, out var current));
        Assert.NotEqual(stale.ActivationId, current.ActivationId);
        Assert.All(receiver.Received, r => Assert.Equal(message.Id, r.MessageId));
        Assert.Equal(200, receiver.Received[^1].Answered);
        Assert.Single(receiver.Received, r => r.Answered == 200); // Finished once.
        Assert.Equal(NotificationStatus.Delivered, Assert.Single(state.Deliveries).Status);
        await cluster.WaitForNoReminderAsync(message.Id, Timeout);
    }

    [Fact]
    public async Task A_message_sent_to_a_webhook_and_an_amqp_topic_reaches_both_and_replay_redelivers_to_both()
    {
        var brokerUri = Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_AMQP") is { Length: > 0 } u
            ? u
            : throw new InvalidOperationException("ORLEANSMEDIA_TEST_AMQP is not set: start the test servers with deploy/test-env.sh.");
        var exchange = "om-test-" + Guid.NewGuid().ToString("N");
        await using var connection = await new ConnectionFactory { Uri = new Uri(brokerUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: false, autoDelete: true);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "");
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var settings = NotificationCluster.WebhookTopic("hook", receiver.Url, Secret, maxAttempts: 3);
        settings["OrleansMedia:Notifications:Topics:mq:Kind"] = "Amqp";
        settings["OrleansMedia:Notifications:Topics:mq:Uri"] = brokerUri;
        settings["OrleansMedia:Notifications:Topics:mq:Exchange"] = exchange;
        settings["OrleansMedia:Notifications:Topics:mq:RoutingKey"] = "";
        await using var cluster = await NotificationCluster.StartAsync(settings);
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, "hook");
        await cluster.Grain(message.Id).Send(message, "mq");
        var state = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);

        Assert.Equal(["hook", "mq"], state.Deliveries.Select(d => d.Topic));
        Assert.All(state.Deliveries, d => Assert.Equal(NotificationStatus.Delivered, d.Status));
        Assert.Equal(message.Id, Assert.Single(receiver.Received).MessageId);
        Assert.Equal(message.Id, (await channel.BasicGetAsync(queue, autoAck: true))?.BasicProperties.MessageId);

        await cluster.Grain(message.Id).Replay();
        await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);
        await receiver.WaitForAsync(r => r.Count == 2, Timeout);
        Assert.Equal(message.Id, (await channel.BasicGetAsync(queue, autoAck: true))?.BasicProperties.MessageId);
        Assert.All((await cluster.Grain(message.Id).Get())!.Deliveries, d => Assert.Equal(1, d.Replays));
    }

    [Fact]
    public async Task Delivery_retries_and_dead_letters_the_same_way_on_the_embedded_SQLite_store()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        receiver.Respond = n => (n == 0 ? 500 : 200, TimeSpan.Zero);
        var settings = NotificationCluster.WebhookTopic("hook", receiver.Url, Secret, maxAttempts: 3);
        foreach (var (key, value) in NotificationCluster.WebhookTopic("dead", new Uri(receiver.Url, "/nowhere"), Secret, maxAttempts: 2))
        {
            settings[key] = value;
        }
        await using var cluster = await NotificationCluster.StartAsync(settings, store: Orleans.Media.Testing.TestStore.Sqlite);
        var recovered = TestMessages.TaskEnded();
        var lost = TestMessages.TaskEnded();

        await cluster.Grain(recovered.Id).Send(recovered, "hook");
        await cluster.Grain(lost.Id).Send(lost, "dead");
        var delivered = await cluster.WaitForStatusAsync(recovered.Id, NotificationStatus.Delivered, Timeout);
        var dead = await cluster.WaitForStatusAsync(lost.Id, NotificationStatus.DeadLettered, Timeout);

        Assert.Equal(2, Assert.Single(delivered.Deliveries).Attempts);
        Assert.Equal(2, Assert.Single(dead.Deliveries).Attempts);
        Assert.Contains("404", Assert.Single(dead.Deliveries).LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_an_invalid_topic_refuses_to_start()
    {
        var settings = NotificationCluster.WebhookTopic("broken", new Uri("http://127.0.0.1:9/"), "short", maxAttempts: 0);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => NotificationCluster.StartAsync(settings));

        Assert.Contains(e.Failures, f => f.Contains("Topics:broken:Secret", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("Topics:broken:MaxAttempts", StringComparison.Ordinal));
    }
}
