using Orleans.Media.Grains.Notifications;
using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>Stands in for the lead's task grain: sends the end notification from inside its own turn.</summary>
public interface ITaskEndingGrain : IGrainWithStringKey
{
    /// <summary>Sends <paramref name="message"/> to each topic (nested calls), then fails the turn if asked.</summary>
    Task End(NotificationMessage message, string[] topics, bool failAfterSending);
}
