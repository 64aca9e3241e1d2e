using System.Text.Json.Serialization;

namespace Orleans.Media.Grains.Tasks;

/// <summary>The IMM <c>Notification</c> parameter: where the task's end is announced and its detail file written.</summary>
public sealed record TaskNotification
{
    [JsonPropertyName("MNS")]
    public TopicRef? Mns { get; init; }

    public RocketMqTopicRef? RocketMQ { get; init; }

    /// <summary>An object (oss://bucket/key) the task writes its per-entry detail file to.</summary>
    public string? ExtendedMessageURI { get; init; }

    /// <summary>The topic names this notification targets (MNS and RocketMQ alike map to configured sinks).</summary>
    public IEnumerable<string> Topics()
    {
        if (!string.IsNullOrEmpty(Mns?.TopicName))
        {
            yield return Mns.TopicName;
        }

        if (!string.IsNullOrEmpty(RocketMQ?.TopicName))
        {
            yield return RocketMQ.TopicName;
        }
    }
}

public sealed record TopicRef(string? TopicName);

public sealed record RocketMqTopicRef(string? TopicName, string? InstanceId);
