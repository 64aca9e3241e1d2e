using Microsoft.Extensions.Logging;
using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.Notifications;

/// <summary>
/// Runs one delivery attempt of a <see cref="NotificationDeliveryJob"/>: hands the message to its topic's sink.
/// A failure throws, so the runtime retries with exponential backoff and dead-letters after MaxAttempts; the
/// outcome goes back to the <see cref="NotificationGrain"/>.
/// </summary>
public sealed class NotificationDeliveryHandler(INotificationSinks sinks, ILogger<NotificationDeliveryHandler> logger) : IJobHandler
{
    public const string Kind = "notification-delivery";

    public async Task<object?> ExecuteAsync(JobContext context)
    {
        var job = context.GetPayload<NotificationDeliveryJob>();
        try
        {
            await sinks.Get(job.Topic).DeliverAsync(job.Message, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.CancellationToken.IsCancellationRequested)
        {
            NotificationLog.AttemptFailed(logger, job.Message.Id, job.Topic, context.Attempt, context.MaxAttempts, e.Message);
            throw;
        }
        return null;
    }
}
