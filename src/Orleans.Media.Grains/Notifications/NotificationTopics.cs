using Microsoft.Extensions.Options;

namespace Orleans.Media.Grains.Notifications;

/// <summary><see cref="INotificationTopics"/> over the validated <see cref="NotificationOptions"/>.</summary>
public sealed class NotificationTopics(IOptions<NotificationOptions> options) : INotificationTopics
{
    private readonly Dictionary<string, NotificationTopicOptions> _topics = new(options.Value.Topics, StringComparer.Ordinal);

    public bool Exists(string topic) => !string.IsNullOrEmpty(topic) && _topics.ContainsKey(topic);

    public NotificationTopicOptions Get(string topic) =>
        !string.IsNullOrEmpty(topic) && _topics.TryGetValue(topic, out var t)
            ? t
            : throw ServiceException.InvalidArgument($"The notification topic '{topic}' does not exist.");
}
