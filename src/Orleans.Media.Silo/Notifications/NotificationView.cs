using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Notifications;

/// <summary>A notification as the admin API shows it: the envelope and where each topic's delivery stands.</summary>
public sealed record NotificationView(
    string MessageId,
    string Project,
    NotificationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<NotificationDelivery> Deliveries,
    NotificationMessage Message)
{
    public static NotificationView From(NotificationState state)
    {
        var message = state.Message ?? throw new ArgumentException("The notification has no message.", nameof(state));
        return new NotificationView(message.Id, state.Project, state.Status, state.CreatedAt, state.UpdatedAt, state.Deliveries, message);
    }
}
