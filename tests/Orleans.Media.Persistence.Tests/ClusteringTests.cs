using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Tests;

/// <summary>Orleans' ADO.NET clustering on the project's PostgreSQL schema: real silos on real ports.</summary>
public sealed class ClusteringTests
{
    [Fact]
    public async Task Two_silos_join_through_the_membership_table_see_each_other_active_and_serve_a_client()
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

        // An external client finds the gateways through the same table (GatewaysQueryKey).
        var clientBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        clientBuilder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (service, service));
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = test.Database.Invariant;
                o.DataSource = test.Database.DataSource;
            });
        });
        using (var clientHost = clientBuilder.Build())
        {
            await clientHost.StartAsync();
            Assert.Equal(2, await clientHost.Services.GetRequiredService<IClusterClient>().GetGrain<ICounterGrain>("x").Increment());
            await clientHost.StopAsync();
        }

        // A silo that stops leaves the cluster: the other sees one active silo.
        var bAddress = b.Host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        await b.StopAsync();
        var hosts = await Eventually.WaitAsync(async () => await a.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true),
            h => h.Count == 1, "one active silo");
        Assert.DoesNotContain(bAddress, hosts.Keys);
    }
}
