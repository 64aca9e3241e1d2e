using System.Text.Json.Serialization;

namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// The IMM asynchronous notification envelope, exactly as the vendor sends it:
/// <c>{id, source: "acs.imm", type: "imm:Task:&lt;TaskType&gt;", subject, time, content}</c>, where
/// <c>time</c> is the creation time in Unix milliseconds (a string) and <c>content</c> is a JSON document encoded as
/// a string. Built by <see cref="ImmNotifications"/>; the same message keeps the same <see cref="Id"/> on every retry
/// and replay, so receivers can deduplicate.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NotificationMessage(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("content")] string Content);
