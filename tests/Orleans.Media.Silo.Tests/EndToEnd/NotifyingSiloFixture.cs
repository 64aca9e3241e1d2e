using System.Net.Http.Headers;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Notifications;
using Orleans.Media.Testing;
using RabbitMQ.Client;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// One real silo process on its own PostgreSQL database and s3rver bucket, with two notification topics: an AMQP
/// topic publishing to a fresh exchange on the test RabbitMQ broker (<c>ORLEANSMEDIA_TEST_AMQP</c>) and a webhook
/// topic posting to a <see cref="WebhookReceiver"/>. Messages name region <see cref="RegionId"/> and account
/// <see cref="AccountId"/>, as a receiver written for the cloud expects.
/// </summary>
public sealed class NotifyingSiloFixture : IAsyncLifetime
{
    public const string AmqpTopic = "e2e-amqp";
    public const string WebhookTopic = "e2e-hook";
    public const string RoutingKey = "imm.tasks";
    public const string RegionId = "cn-hangzhou";
    public const string AccountId = "1234567890123456";
    private const string HookSecret = "e2e-notify-webhook-secret-0123";
    private IConnection? _connection;

    public PostgresDatabase Database { get; private set; } = null!;

    public S3TestBucket Bucket { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    /// <summary>The AMQP topic's exchange (direct, created before the silo starts, deleted at the end).</summary>
    public string Exchange { get; } = "om-e2e-" + Guid.NewGuid().ToString("N");

    /// <summary>A channel of the test's own connection to the broker (declare queues, read messages).</summary>
    public IChannel Channel { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public ImmClient Client { get; private set; } = null!;

    /// <summary>A REST client authenticated with a bearer token of the silo's admin key.</summary>
    public HttpClient Rest { get; private set; } = null!;

    private static string BrokerUri => Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_AMQP") is { Length: > 0 } uri
        ? uri
        : throw new InvalidOperationException("ORLEANSMEDIA_TEST_AMQP is not set: start the test servers with deploy/test-env.sh (it starts RabbitMQ).");

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        Bucket = await S3TestBucket.CreateAsync();
        Receiver = await WebhookReceiver.StartAsync(HookSecret);
        _connection = await new ConnectionFactory { Uri = new Uri(BrokerUri) }.CreateConnectionAsync();
        Channel = await _connection.CreateChannelAsync();
        await Channel.ExchangeDeclareAsync(Exchange, ExchangeType.Direct, durable: false, autoDelete: false);

        Silo = await SiloProcess.StartAsync(SiloOptions("notify-1", Database.ConnectionString));
        var credentials = await Silo.ReadCredentialsAsync();
        Client = new ImmClient(Silo.BaseAddress, credentials);
        Rest = RestClient(Silo.BaseAddress, credentials);
    }

    /// <summary>The settings of this fixture's silo (bucket, both topics, region and account) on the database of
    /// <paramref name="connectionString"/>: tests that stop, reconfigure or restart a silo start their own.</summary>
    public SiloProcessOptions SiloOptions(string name, string connectionString)
    {
        var options = new SiloProcessOptions { Name = name }
            .WithFastTimings()
            .WithPostgres(connectionString)
            .WithS3Bucket(Bucket.Name)
            .WithWebhookTopic(WebhookTopic, Receiver.Url, HookSecret, maxAttempts: 5)
            .With("OrleansMedia__Notifications__RegionId", RegionId)
            .With("OrleansMedia__Notifications__AccountId", AccountId);
        foreach (var (key, value) in AmqpTopicSettings())
        {
            options.With(key, value);
        }

        return options;
    }

    /// <summary>The AMQP topic's settings as the silo's environment variables.</summary>
    public Dictionary<string, string> AmqpTopicSettings()
    {
        var prefix = $"OrleansMedia__Notifications__Topics__{AmqpTopic}__";
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [prefix + "Kind"] = "Amqp",
            [prefix + "Uri"] = BrokerUri,
            [prefix + "Exchange"] = Exchange,
            [prefix + "RoutingKey"] = RoutingKey,
            [prefix + "MaxAttempts"] = "5",
            [prefix + "TimeoutSeconds"] = "5",
        };
    }

    /// <summary>A REST client authenticated with a bearer token of <paramref name="credentials"/>.</summary>
    public static HttpClient RestClient(Uri baseAddress, SiloCredentials credentials)
    {
        var rest = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", AccessToken.Issue(credentials.AccessKeyId, credentials.AccessKeySecret, DateTimeOffset.UtcNow.AddHours(2)));
        return rest;
    }

    /// <summary>A fresh exclusive queue bound to the exchange with the topic's routing key.</summary>
    public async Task<string> BindQueueAsync()
    {
        var queue = (await Channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await Channel.QueueBindAsync(queue, Exchange, RoutingKey);
        return queue;
    }

    /// <summary>Polls <paramref name="queue"/> until a message arrives.</summary>
    public async Task<BasicGetResult> ReceiveAsync(string queue, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await Channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                return message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No message on queue {queue} (exchange {Exchange}) within {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Rest?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        if (Channel is not null)
        {
            await Channel.ExchangeDeleteAsync(Exchange);
            await Channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }

        Bucket?.Dispose();
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
