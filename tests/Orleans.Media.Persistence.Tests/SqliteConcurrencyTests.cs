using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests;

/// <summary>The embedded silo's one SQLite file takes writes from many grains at once (one writer at a time in WAL:
/// the others wait on the busy timeout) while the index, the nonces and listings use the same file.</summary>
public sealed class SqliteConcurrencyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Concurrent_state_index_and_nonce_writes_all_succeed()
    {
        await using var test = TestDatabase.CreateSqlite();
        await using var silo = await TestSilo.StartAsync(test.Database, "embedded");
        var index = silo.Host.Services.GetService(typeof(IGrainIndex)) as IGrainIndex ?? throw new InvalidOperationException();
        var nonces = silo.Host.Services.GetService(typeof(INonceRegistry)) as INonceRegistry ?? throw new InvalidOperationException();
        var query = silo.Host.Services.GetService(typeof(IGrainStateQuery)) as IGrainStateQuery ?? throw new InvalidOperationException();

        var grains = Enumerable.Range(0, 100).Select(i => silo.Grains.GetGrain<ICounterGrain>("g" + i)).ToList();
        var work = grains.Select(async (g, i) =>
        {
            for (var n = 1; n <= 5; n++)
            {
                var count = await g.Increment();
                await index.UpsertAsync(new GrainIndexEntry("counter", "g" + i, "p", count, $"{{\"Count\":{count}}}"));
                Assert.True(await nonces.TryRegisterAsync("s", $"{i}-{n}", DateTimeOffset.UtcNow.AddMinutes(5)));
                await query.CountAsync(new GrainStateQuery("counter") { Partition = "p" });
            }
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(work);
        output.WriteLine($"1,500 writes from 100 grains at once: {clock.ElapsedMilliseconds} ms");

        Assert.All(await Task.WhenAll(grains.Select(g => g.Get())), c => Assert.Equal(5, c));
        Assert.Equal(100, await query.CountAsync(new GrainStateQuery("counter") { Filters = [StateFilter.Eq("Count", 5)] }));
        Assert.Equal(500, await Sql.CountAsync(test.Database, "SELECT count(*) FROM nonces"));
    }
}
