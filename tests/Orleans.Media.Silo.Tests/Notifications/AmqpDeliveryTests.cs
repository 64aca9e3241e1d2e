using Orleans.Media.Grains.Notifications;
using Orleans.Media.Silo.Notifications;
using RabbitMQ.Client;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>AMQP delivery to the throwaway RabbitMQ broker of deploy/test-env.sh (ORLEANSMEDIA_TEST_AMQP).</summary>
public sealed class AmqpDeliveryTests
{
    private const string Topic = "imm-amqp";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string BrokerUri => Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_AMQP") is { Length: > 0 } uri
        ? uri
        : throw new InvalidOperationException("ORLEANSMEDIA_TEST_AMQP is not set: start the test servers with deploy/test-env.sh (it starts RabbitMQ).");

    private static Dictionary<string, string?> AmqpTopic(string exchange, string routingKey, int maxAttempts) => new()
    {
        [$"OrleansMedia:Notifications:Topics:{Topic}:Kind"] = "Amqp",
        [$"OrleansMedia:Notifications:Topics:{Topic}:Uri"] = BrokerUri,
        [$"OrleansMedia:Notifications:Topics:{Topic}:Exchange"] = exchange,
        [$"OrleansMedia:Notifications:Topics:{Topic}:RoutingKey"] = routingKey,
        [$"OrleansMedia:Notifications:Topics:{Topic}:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"OrleansMedia:Notifications:Topics:{Topic}:TimeoutSeconds"] = "5",
    };

    [Fact]
    public async Task A_consumer_on_the_exchange_receives_the_envelope_as_a_persistent_json_message_with_its_id()
    {
        var exchange = "om-test-" + Guid.NewGuid().ToString("N");
        await using var connection = await new ConnectionFactory { Uri = new Uri(BrokerUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Direct, durable: false, autoDelete: true);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "imm.tasks");
        await using var cluster = await NotificationCluster.StartAsync(AmqpTopic(exchange, "imm.tasks", maxAttempts: 3));
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        var state = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);
        var received = await channel.BasicGetAsync(queue, autoAck: true);

        Assert.NotNull(received);
        Assert.Equal(message, NotificationJson.Deserialize(received.Body.Span));
        Assert.Equal(message.Id, received.BasicProperties.MessageId);
        Assert.Equal("application/json", received.BasicProperties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, received.BasicProperties.DeliveryMode);
        Assert.Equal(exchange, received.Exchange);
        Assert.Equal("imm.tasks", received.RoutingKey);
        Assert.Equal(1, Assert.Single(state.Deliveries).Attempts);
        Assert.Null(await channel.BasicGetAsync(queue, autoAck: true)); // Exactly one copy.
    }

    [Fact]
    public async Task An_unroutable_message_is_not_a_delivery_and_is_dead_lettered_after_the_limit()
    {
        // The exchange exists but nothing is bound: the broker returns the mandatory message instead of confirming a
        // delivery to a queue, and the attempt fails rather than losing the message silently.
        var exchange = "om-test-" + Guid.NewGuid().ToString("N");
        await using var connection = await new ConnectionFactory { Uri = new Uri(BrokerUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Direct, durable: false, autoDelete: false);
        try
        {
            await using var cluster = await NotificationCluster.StartAsync(AmqpTopic(exchange, "nobody", maxAttempts: 2));
            var message = TestMessages.TaskEnded();

            await cluster.Grain(message.Id).Send(message, Topic);
            var dead = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.DeadLettered, Timeout);

            var delivery = Assert.Single(dead.Deliveries);
            Assert.Equal(2, delivery.Attempts);
            Assert.False(string.IsNullOrEmpty(delivery.LastError));
        }
        finally
        {
            await channel.ExchangeDeleteAsync(exchange);
        }
    }

    [Fact]
    public async Task A_missing_exchange_fails_the_attempt_and_the_next_attempt_reconnects()
    {
        var exchange = "om-test-" + Guid.NewGuid().ToString("N");
        await using var connection = await new ConnectionFactory { Uri = new Uri(BrokerUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await using var cluster = await NotificationCluster.StartAsync(AmqpTopic(exchange, "k", maxAttempts: 1));
        var first = TestMessages.TaskEnded();

        // No exchange yet: the broker closes the publishing channel (404), the attempt fails.
        await cluster.Grain(first.Id).Send(first, Topic);
        var dead = await cluster.WaitForStatusAsync(first.Id, NotificationStatus.DeadLettered, Timeout);
        Assert.Contains("404", Assert.Single(dead.Deliveries).LastError, StringComparison.Ordinal);

        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Direct, durable: false, autoDelete: true);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "k");
        await cluster.Grain(first.Id).Replay();
        await cluster.WaitForStatusAsync(first.Id, NotificationStatus.Delivered, Timeout);

        var received = await channel.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(received);
        Assert.Equal(first.Id, received.BasicProperties.MessageId);
    }

    [Fact]
    public async Task An_unreachable_broker_fails_each_attempt_until_the_message_is_dead_lettered()
    {
        // A port nobody listens on (bound then released).
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = AmqpTopic("imm", "tasks", maxAttempts: 2);
        settings[$"OrleansMedia:Notifications:Topics:{Topic}:Uri"] = $"amqp://guest:guest@127.0.0.1:{port}/";
        await using var cluster = await NotificationCluster.StartAsync(settings);
        var message = TestMessages.TaskEnded();

        await cluster.Grain(message.Id).Send(message, Topic);
        var dead = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.DeadLettered, Timeout);

        var delivery = Assert.Single(dead.Deliveries);
        Assert.Equal(2, delivery.Attempts);
        Assert.False(string.IsNullOrEmpty(delivery.LastError));
    }
}
