using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Orleans.Media.Grains.Notifications;

/// <summary>Builds IMM notification messages (see <see cref="NotificationMessage"/>).</summary>
public static class ImmNotifications
{
    public const string Source = "acs.imm";

    /// <summary>The event name hashed into the id of a task's end notification.</summary>
    public const string TaskEndedEvent = "TaskEnded";

    /// <summary>Content is serialized with the declared PascalCase names and no escaping of non-ASCII text.</summary>
    private static readonly JsonSerializerOptions ContentJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The notification a task sends when it ends. Deterministic: the same arguments give the same message (id,
    /// time and content), so a re-sent or replayed message is byte-identical. <paramref name="endTime"/> is also
    /// the envelope's <c>time</c>. The subject follows the vendor's
    /// <c>acs:imm:&lt;region&gt;:&lt;account&gt;:&lt;project&gt;/imm:Task:&lt;TaskType&gt;</c>.
    /// </summary>
    public static NotificationMessage TaskEnded(
        string projectName,
        string taskType,
        string taskId,
        string requestId,
        string status,
        string? code,
        string? message,
        DateTimeOffset startTime,
        DateTimeOffset endTime,
        string? userData,
        string region = "local",
        string accountId = "0")
    {
        ArgumentException.ThrowIfNullOrEmpty(projectName);
        ArgumentException.ThrowIfNullOrEmpty(taskType);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(status);
        var type = "imm:Task:" + taskType;
        var content = new ImmTaskNotificationContent(
            ProjectName: projectName,
            DatasetName: "",
            RequestId: requestId ?? "",
            StartTime: Rfc3339(startTime),
            EndTime: Rfc3339(endTime),
            UserData: userData ?? "",
            TaskType: taskType,
            TaskId: taskId,
            Status: status,
            Code: code ?? "",
            Message: message ?? "",
            EventSourceId: "");
        return new NotificationMessage(
            Id: MessageId(taskId, TaskEndedEvent),
            Source: Source,
            Type: type,
            Subject: $"acs:imm:{region}:{accountId}:{projectName}/{type}",
            Time: endTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            Content: JsonSerializer.Serialize(content, ContentJson));
    }

    /// <summary>
    /// The stable id of one event of one task: 32 hex digits of SHA-256(taskId + "/" + event). Stable across
    /// retries, replays and silos, distinct per task and event.
    /// </summary>
    public static string MessageId(string taskId, string eventName)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(taskId + "/" + eventName));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>Reads the content back (receivers, tests, the admin API).</summary>
    public static ImmTaskNotificationContent ReadContent(NotificationMessage message) =>
        JsonSerializer.Deserialize<ImmTaskNotificationContent>(message.Content, ContentJson)
        ?? throw new FormatException($"Notification {message.Id} has no content.");

    private static string Rfc3339(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
