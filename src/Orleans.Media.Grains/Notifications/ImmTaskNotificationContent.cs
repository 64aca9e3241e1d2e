namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// The <c>content</c> of an IMM task notification (serialized to a JSON string inside the envelope). Field names and
/// order follow the vendor's "asynchronous notification message format"; empty strings rather than nulls, as the
/// vendor sends them. <c>DatasetName</c> and <c>EventSourceId</c> are always present (empty for file tasks).
/// </summary>
public sealed record ImmTaskNotificationContent(
    string ProjectName,
    string DatasetName,
    string RequestId,
    string StartTime,
    string EndTime,
    string UserData,
    string TaskType,
    string TaskId,
    string Status,
    string Code,
    string Message,
    string EventSourceId);
