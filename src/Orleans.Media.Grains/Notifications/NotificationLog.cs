using Microsoft.Extensions.Logging;

namespace Orleans.Media.Grains.Notifications;

internal static partial class NotificationLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Notification {MessageId} ({Type}) scheduled for topic {Topic}")]
    public static partial void Scheduled(ILogger logger, string messageId, string type, string topic);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Notification {MessageId} delivered to topic {Topic} after {Attempts} attempt(s)")]
    public static partial void Delivered(ILogger logger, string messageId, string topic, int attempts);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Notification {MessageId} dead-lettered for topic {Topic} after {Attempts} attempt(s): {Error}")]
    public static partial void DeadLettered(ILogger logger, string messageId, string topic, int attempts, string? error);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Notification {MessageId} replayed to topic {Topic}")]
    public static partial void Replayed(ILogger logger, string messageId, string topic);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Notification {MessageId} to topic {Topic}: attempt {Attempt}/{MaxAttempts} failed: {Error}")]
    public static partial void AttemptFailed(ILogger logger, string messageId, string topic, int attempt, int maxAttempts, string error);
}
