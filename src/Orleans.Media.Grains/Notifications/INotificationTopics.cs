namespace Orleans.Media.Grains.Notifications;

/// <summary>The configured topics. Task creation refuses a topic that does not exist here.</summary>
public interface INotificationTopics
{
    bool Exists(string topic);

    /// <summary>The topic's settings; <see cref="ServiceException"/> InvalidArgument naming it when unknown.</summary>
    NotificationTopicOptions Get(string topic);
}
