namespace Orleans.Media.Grains.Notifications;

/// <summary>Notification settings (section <see cref="Section"/>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "OrleansMedia:Notifications";

    /// <summary>Topic name → sink. Names are matched exactly (MNS and RocketMQ topic names are case-sensitive).</summary>
    public Dictionary<string, NotificationTopicOptions> Topics { get; set; } = new(StringComparer.Ordinal);
}
