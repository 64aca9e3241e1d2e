using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Tests;

/// <summary>Orleans' ADO.NET clustering on the project's PostgreSQL schema: real silos on real ports.</summary>
public sealed class ClusteringTests
{
    [Fact]
    public async Task Two_silos_join_through_the_membership_table_and_see_each_other_active()
    {
        await using var test = await TestDatabase.CreatePostgresAsync();
        var service = "svc-" + Guid.NewGuid().ToString("N")[..8];
        await using var a = await TestSilo.StartAsync(test.Database, service);
        await using var b = await TestSilo.StartAsync(test.Database, service);

        foreach (var silo in new[] { a, b })
        {
            var management = silo.Grains.GetGrain<IManagementGrain>(0);
            await Eventually.WaitAsync(async () => (await management.GetHosts(onlyActive: true)).Count, n => n == 2, "two active silos");
        }

        Assert.Equal(2, await Sql.CountAsync(test.Database, $"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{service}' AND status = 3"));

        // A grain written through one silo is read through the other (wherever it is activated).
        await a.Grains.GetGrain<ICounterGrain>("x").Increment();
        Assert.Equal(1, await b.Grains.GetGrain<ICounterGrain>("x").Get());

        // A silo that stops leaves the cluster: the other sees one active silo.
        var bAddress = b.Host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        await b.StopAsync();
        var hosts = await Eventually.WaitAsync(async () => await a.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true),
            h => h.Count == 1, "one active silo");
        Assert.DoesNotContain(bAddress, hosts.Keys);
    }
}
