using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>
/// Stands in for the task grain's end: the notification goes into the task's outbox in the same state write that
/// ends the task, and is handed to the notification grain from there (never before that write).
/// </summary>
public interface ITaskEndingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Ends the task with <paramref name="message"/> for <paramref name="topics"/>: fails before its state write when
    /// <paramref name="failBeforeWrite"/>; with <paramref name="stopAfterWrite"/>, the activation goes away right
    /// after the write (as a silo stopping would), leaving the outbox to the next activation.
    /// </summary>
    Task End(NotificationMessage message, string[] topics, bool failBeforeWrite, bool stopAfterWrite);

    /// <summary>Any call activates the grain; an activation flushes what its outbox still holds.</summary>
    Task<IReadOnlyList<string>> Outbox();
}
