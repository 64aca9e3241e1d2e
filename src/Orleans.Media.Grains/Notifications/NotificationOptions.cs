namespace Orleans.Media.Grains.Notifications;

/// <summary>Notification settings (section <see cref="Section"/>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "OrleansMedia:Notifications";

    /// <summary>Topic name → sink. Names are matched exactly (MNS and RocketMQ topic names are case-sensitive).</summary>
    public Dictionary<string, NotificationTopicOptions> Topics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The region in the messages' subject (<c>acs:imm:&lt;region&gt;:&lt;account&gt;:…</c>): the one a
    /// receiver written for the cloud expects, e.g. <c>cn-hangzhou</c>.</summary>
    public string RegionId { get; set; } = "local";

    /// <summary>The account id in the messages' subject.</summary>
    public string AccountId { get; set; } = "0";
}
