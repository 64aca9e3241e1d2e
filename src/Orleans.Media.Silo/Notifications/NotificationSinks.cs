using Microsoft.Extensions.Options;
using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Notifications;

/// <summary>One sink per configured topic, built once; AMQP connections are closed when the silo stops.</summary>
public sealed class NotificationSinks : INotificationSinks, IAsyncDisposable
{
    private readonly Dictionary<string, INotificationSink> _sinks = new(StringComparer.Ordinal);

    public NotificationSinks(IOptions<NotificationOptions> options, IHttpClientFactory httpClients, TimeProvider time)
    {
        foreach (var (topic, settings) in options.Value.Topics)
        {
            _sinks[topic] = settings.Kind switch
            {
                NotificationSinkKind.Webhook => new WebhookSink(topic, settings, httpClients, time),
                NotificationSinkKind.Amqp => new AmqpSink(topic, settings, time),
                _ => throw new InvalidOperationException($"Topic {topic} has an unknown sink kind {settings.Kind}."),
            };
        }
    }

    public INotificationSink Get(string topic) =>
        _sinks.TryGetValue(topic, out var sink)
            ? sink
            : throw new InvalidOperationException($"The notification topic '{topic}' is not configured on this silo.");

    public async ValueTask DisposeAsync()
    {
        foreach (var sink in _sinks.Values.OfType<IAsyncDisposable>())
        {
            await sink.DisposeAsync();
        }
    }
}
