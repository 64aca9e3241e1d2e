namespace Orleans.Media.Silo.Notifications;

/// <summary>One page of notifications; <see cref="NextToken"/> only while more remain.</summary>
public sealed record ListNotificationsResponse(IReadOnlyList<NotificationView> Notifications, string? NextToken);
