namespace Orleans.Media.Grains.Notifications;

/// <summary>The payload of a <see cref="NotificationDeliveryHandler.Kind"/> job: the message travels with the job so
/// the handler needs no grain call.</summary>
public sealed record NotificationDeliveryJob(NotificationMessage Message, string Topic);
