using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests;

/// <summary>Durable reminders: Orleans' ADO.NET reminder provider on the project's queries (PostgreSQL and SQLite).</summary>
public sealed class ReminderTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task A_reminder_registers_fires_lists_and_unregisters(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc-" + Guid.NewGuid().ToString("N")[..8]);
        var key = Guid.NewGuid().ToString("N");
        var grain = silo.Grains.GetGrain<IReminderGrain>(key);

        await grain.Register("tick", TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        await grain.Register("other", TimeSpan.FromHours(1), TimeSpan.FromHours(1));

        Assert.Equal(["other", "tick"], await grain.List());
        Assert.Equal(2, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_reminders"));
        await Eventually.WaitAsync(() => ReminderProbe.Count(key, "tick") >= 2, "two ticks");

        await grain.Unregister("tick");
        Assert.Equal(["other"], await grain.List());
        Assert.Equal(1, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_reminders"));
    }

    [Fact]
    public async Task A_reminder_and_state_survive_a_restart_on_the_same_sqlite_file()
    {
        await using var test = TestDatabase.CreateSqlite();
        var key = Guid.NewGuid().ToString("N");
        await using (var first = await TestSilo.StartAsync(test.Database, "embedded"))
        {
            await first.Grains.GetGrain<IReminderGrain>(key).Register("wake", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
            await first.Grains.GetGrain<ICounterGrain>(key).Increment();
        }

        var before = ReminderProbe.Count(key, "wake");
        await using var second = await TestSilo.StartAsync(test.Database, "embedded");

        // Nothing calls the reminder grain: only the stored reminder can bring it back.
        await Eventually.WaitAsync(() => ReminderProbe.Count(key, "wake") > before, "the reminder to fire after the restart");
        Assert.Equal(1, await second.Grains.GetGrain<ICounterGrain>(key).Get());
        Assert.Equal(["wake"], await second.Grains.GetGrain<IReminderGrain>(key).List());
    }
}
