namespace Orleans.Media.Runtime;

public static class ReminderLimits
{
    /// <summary>Shortest reminder period. Reminders are store-polled timers, not precise clocks.</summary>
    public static readonly TimeSpan MinimumPeriod = TimeSpan.FromSeconds(1);
}
