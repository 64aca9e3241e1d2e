using Orleans.Hosting;
using Orleans.Media.Persistence.Hosting;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Orleans.TestingHost;

namespace Orleans.Media.Persistence.Tests;

/// <summary>
/// Two in-process silos (Orleans' TestingHost: in-memory membership and transport) on one PostgreSQL database
/// through UseMediaPersistence: both silos migrate at start, grain state and reminders outlive the silo that
/// held them.
/// </summary>
public sealed class InProcessClusterTests
{
    [Fact]
    public async Task State_and_reminders_outlive_the_silo_that_held_them()
    {
        await using var test = await TestDatabase.CreatePostgresAsync();
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseMediaPersistence(test.Database);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var counters = Enumerable.Range(0, 20).Select(i => cluster.Client.GetGrain<ICounterGrain>("c" + i)).ToList();
        foreach (var c in counters)
        {
            await c.Increment();
            await c.Increment();
        }

        var keys = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        foreach (var key in keys)
        {
            await cluster.Client.GetGrain<IReminderGrain>(key).Register("tick", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        }

        await Eventually.WaitAsync(() => keys.All(k => ReminderProbe.Count(k, "tick") > 0), "every reminder to fire");

        await cluster.StopSiloAsync(cluster.Silos[1]);
        var before = keys.ToDictionary(k => k, k => ReminderProbe.Count(k, "tick"));

        // The stopped silo's grains come back on the other one with their stored state; its reminders tick there.
        Assert.All(await Task.WhenAll(counters.Select(c => c.Get())), n => Assert.Equal(2, n));
        await Eventually.WaitAsync(() => keys.All(k => ReminderProbe.Count(k, "tick") > before[k]), "every reminder to fire on the remaining silo");
        Assert.Equal(1, await Sql.CountAsync(test.Database, "SELECT count(*) FROM schema_version WHERE version = 1"));
    }
}
