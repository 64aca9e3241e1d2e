using Orleans.Media.Grains.Notifications;
using RabbitMQ.Client;

namespace Orleans.Media.Silo.Notifications;

/// <summary>
/// Publishes the envelope to the topic's exchange: persistent, <c>message-id</c> = envelope id, content type
/// <c>application/json</c>, mandatory (an unroutable message is returned, which fails the attempt rather than being
/// dropped), and awaited publisher confirm. One connection and channel per topic, opened on first use and reopened
/// after a failure; publishes are serialized on it.
/// </summary>
public sealed class AmqpSink(string topic, NotificationTopicOptions options, TimeProvider time) : INotificationSink, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
    private IConnection? _connection;
    private IChannel? _channel;

    public async Task DeliverAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var body = NotificationJson.Serialize(message);
        var properties = new BasicProperties
        {
            MessageId = message.Id,
            ContentType = "application/json",
            ContentEncoding = "utf-8",
            DeliveryMode = DeliveryModes.Persistent,
            Type = message.Type,
            Timestamp = new AmqpTimestamp(time.GetUtcNow().ToUnixTimeSeconds()),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var entered = false;
        try
        {
            await _gate.WaitAsync(timeout.Token);
            entered = true;
            var channel = await OpenAsync(timeout.Token);
            await channel.BasicPublishAsync(options.Exchange ?? "", options.RoutingKey ?? "", mandatory: true, properties, body, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (entered)
            {
                // Start from a fresh connection next time: the channel may be closed or left waiting for a confirm.
                await CloseAsync();
            }
            if (e is OperationCanceledException)
            {
                throw new TimeoutException($"AMQP topic {topic}: no publisher confirm within {_timeout.TotalSeconds:0} s.", e);
            }
            throw;
        }
        finally
        {
            if (entered)
            {
                _gate.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await CloseAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IChannel> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } && _channel is { IsOpen: true })
        {
            return _channel;
        }
        await CloseAsync();
        var factory = new ConnectionFactory
        {
            Uri = new Uri(options.Uri!, UriKind.Absolute),
            ClientProvidedName = "orleans-media-notifications:" + topic,
            AutomaticRecoveryEnabled = false, // Reconnection is ours: the next attempt opens a new connection.
        };
        _connection = await factory.CreateConnectionAsync(cancellationToken);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        return _channel;
    }

    private async Task CloseAsync()
    {
        var channel = _channel;
        var connection = _connection;
        _channel = null;
        _connection = null;
        try
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
            }
        }
        catch (Exception)
        {
            // Best effort: the channel is being discarded.
        }
        try
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
        catch (Exception)
        {
            // Best effort: the connection is being discarded.
        }
    }
}
