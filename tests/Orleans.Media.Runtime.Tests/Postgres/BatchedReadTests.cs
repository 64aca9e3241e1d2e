using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// [ReadOnly] reads are micro-batched on PostgreSQL: many concurrent reads of many grains (and of one grain) each get
/// their own grain's state, and a read that starts after a write returned sees it, on any silo.
/// </summary>
public sealed class BatchedReadTests
{
    [Fact]
    public async Task Concurrent_reads_get_their_own_grains_state_and_see_every_write_that_returned_before_them()
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions { InitialSilos = 2, ConfigureRuntime = TestGrains.Register });
        var prefix = "br-" + Guid.NewGuid().ToString("N")[..8] + "-";
        const int Grains = 100;
        for (var i = 0; i < Grains; i++)
        {
            for (var n = 0; n < i % 5; n++)
            {
                await cluster[i % 2].GetGrain<ICounterGrain>(prefix + i).Increment();
            }
        }

        // 2,000 reads at once over 100 grains (20 readers per grain, from both silos).
        var reads = Enumerable.Range(0, 2000).Select(async r =>
        {
            var i = r % Grains;
            return (Grain: i, Value: await cluster[r % 2].GetGrain<ICounterGrain>(prefix + i).Get());
        });
        foreach (var (grain, value) in await Task.WhenAll(reads))
        {
            Assert.Equal(grain % 5, value);
        }

        // Write on one silo, then read on the other while many other reads are in flight: never older than the write.
        var hot = prefix + "hot";
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async w =>
        {
            var written = await cluster[w % 2].GetGrain<ICounterGrain>(hot).Increment();
            var read = await cluster[(w + 1) % 2].GetGrain<ICounterGrain>(hot).Get();
            Assert.True(read >= written, $"read {read} after write {written} returned");
        }));
        Assert.Equal(50, await cluster[0].GetGrain<ICounterGrain>(hot).Get());
        Assert.Equal(0, await cluster[1].GetGrain<ICounterGrain>(prefix + "never-written").Get());
    }
}
