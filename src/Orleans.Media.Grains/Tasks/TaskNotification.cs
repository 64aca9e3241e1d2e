using System.Text.Json.Serialization;

namespace Orleans.Media.Grains.Tasks;

/// <summary>The IMM <c>Notification</c> parameter: where the task's end is announced and its detail file written.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskNotification
{
    [JsonPropertyName("MNS")]
    [Id(0)] public TopicRef? Mns { get; init; }

    [Id(1)] public RocketMqTopicRef? RocketMQ { get; init; }

    /// <summary>An object (oss://bucket/key) the task writes its per-entry detail file to.</summary>
    [Id(2)] public string? ExtendedMessageURI { get; init; }

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

[GenerateSerializer, Immutable]
public sealed record TopicRef(string? TopicName);

[GenerateSerializer, Immutable]
public sealed record RocketMqTopicRef(string? TopicName, string? InstanceId);
