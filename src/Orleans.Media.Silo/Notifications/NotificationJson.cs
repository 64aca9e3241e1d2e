using System.Text.Encodings.Web;
using System.Text.Json;
using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Notifications;

/// <summary>The wire form of the envelope: compact UTF-8 JSON, the same bytes for every sink and every attempt.</summary>
public static class NotificationJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(NotificationMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Options);

    public static NotificationMessage Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<NotificationMessage>(json, Options) ?? throw new JsonException("Empty notification.");
}
