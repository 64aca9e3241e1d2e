namespace Orleans.Media.Runtime;

/// <summary>Implemented by grain classes that register reminders; each tick runs as a turn on whichever silo claims it.
/// Throwing rolls the turn back and the tick is retried with backoff (the reminder is kept).</summary>
public interface IRemindable
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}
