using System.Diagnostics;
using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// On PostgreSQL a job scheduled on one silo wakes the workers of the others through LISTEN/NOTIFY: with a 30 s
/// poll, a worker on another silo still runs the job within seconds.
/// </summary>
public sealed class WakeUpTests
{
    [Fact]
    public async Task A_job_scheduled_on_an_api_silo_wakes_a_worker_elsewhere_long_before_its_poll()
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 1,
            ConfigureRuntime = TestGrains.Register,
            ConfigureOptions = o => o.JobPollInterval = TimeSpan.FromSeconds(30),
        });
        var api = await cluster.AddSiloAsync(o => o.Roles = [SiloRoles.Api]);
        await Task.Delay(1000); // the worker's startup claim has run; it now waits for a wake-up or its 30 s poll

        foreach (var round in Enumerable.Range(0, 3))
        {
            var probe = "wake-" + Guid.NewGuid().ToString("N");
            var stopwatch = Stopwatch.StartNew();
            await api.GetGrain<ICounterGrain>("wake-" + round).StartJob("echo", probe, null, 3);
            while (JobProbe.Entries(probe).Count == 0 && stopwatch.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(20);
            }

            Assert.Equal(["run:silo-0:1"], JobProbe.Entries(probe));
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"round {round}: the job ran after {stopwatch.Elapsed} (poll is 30 s)");
        }
    }
}
