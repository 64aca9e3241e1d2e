using System.Collections.Concurrent;

namespace Orleans.Media.Persistence.Tests.Grains;

public interface IReminderGrain : IGrainWithStringKey
{
    Task Register(string name, TimeSpan due, TimeSpan period);

    Task Unregister(string name);

    Task<List<string>> List();
}

public sealed class ReminderGrain : Grain, IReminderGrain, IRemindable
{
    public Task Register(string name, TimeSpan due, TimeSpan period) => this.RegisterOrUpdateReminder(name, due, period);

    public async Task Unregister(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<List<string>> List() => (await this.GetReminders()).Select(r => r.ReminderName).Order().ToList();

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ReminderProbe.Record(this.GetPrimaryKeyString(), reminderName);
        return Task.CompletedTask;
    }
}

/// <summary>Counts reminder ticks per (grain key, reminder): silos of a test run in the test's process.</summary>
public static class ReminderProbe
{
    private static readonly ConcurrentDictionary<(string, string), int> Fires = new();

    public static void Record(string key, string name) => Fires.AddOrUpdate((key, name), 1, (_, n) => n + 1);

    public static int Count(string key, string name) => Fires.TryGetValue((key, name), out var n) ? n : 0;
}
