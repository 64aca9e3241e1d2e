using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Membership: silos listed with their roles; graceful leave; a killed silo is marked Dead. Nonces.</summary>
public abstract class MembershipConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task Silos_are_listed_and_a_killed_silo_is_marked_dead_by_the_others()
    {
        await using var cluster = await StartClusterAsync(2);
        var api = await cluster.AddSiloAsync(o =>
        {
            o.Roles = [SiloRoles.Api];
            o.Endpoint = "http://127.0.0.1:9999";
        });
        var silos = await cluster[0].Membership.GetSilosAsync();
        Assert.Equal(["silo-0", "silo-1", "silo-2"], silos.Select(s => s.Name).Order());
        Assert.All(silos, s => Assert.Equal(SiloStatus.Active, s.Status));
        var apiInfo = silos.Single(s => s.Name == "silo-2");
        Assert.Equal([SiloRoles.Api], apiInfo.Roles);
        Assert.Equal("http://127.0.0.1:9999", apiInfo.Endpoint);
        Assert.Equal(api.Membership.LocalSiloId, apiInfo.Id);
        Assert.True(cluster[0].Membership.IsReady);

        await cluster.StopSiloAsync(2);
        Assert.Equal(SiloStatus.Dead, (await cluster[0].Membership.GetSilosAsync()).Single(s => s.Name == "silo-2").Status);

        var onKilled = cluster[1].GrainFactory.GetGrain<Grains.ICounterGrain>(NewKey());
        await cluster.KillSiloAsync(1);
        Assert.Equal(SiloStatus.Active, (await cluster[0].Membership.GetSilosAsync()).Single(s => s.Name == "silo-1").Status);
        Assert.True(await EventuallyAsync(
            async () => (await cluster[0].Membership.GetSilosAsync()).Single(s => s.Name == "silo-1").Status == SiloStatus.Dead, TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<SiloUnavailableException>(() => onKilled.Increment());
    }

    [Fact]
    public async Task A_nonce_is_accepted_once_per_scope_until_it_expires()
    {
        await using var cluster = await StartClusterAsync(2);
        var n0 = cluster[0].Services.GetRequiredService<INonceRegistry>();
        var n1 = cluster[1].Services.GetRequiredService<INonceRegistry>();
        var nonce = NewKey("n");
        var later = DateTimeOffset.UtcNow.AddMinutes(5);
        Assert.True(await n0.TryRegisterAsync("keyA", nonce, later));
        Assert.False(await n1.TryRegisterAsync("keyA", nonce, later));     // replay on another silo
        Assert.True(await n1.TryRegisterAsync("keyB", nonce, later));      // another scope

        var shortLived = NewKey("n");
        Assert.True(await n0.TryRegisterAsync("keyA", shortLived, DateTimeOffset.UtcNow.AddMilliseconds(300)));
        Assert.False(await n0.TryRegisterAsync("keyA", shortLived, DateTimeOffset.UtcNow.AddMinutes(5)));
        await Task.Delay(600);
        Assert.True(await n1.TryRegisterAsync("keyA", shortLived, DateTimeOffset.UtcNow.AddMinutes(5)));   // expired: accepted again

        var concurrent = NewKey("n");
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? n0 : n1).TryRegisterAsync("race", concurrent, later)));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task Concurrent_registrations_each_learn_whether_their_own_nonce_was_new()
    {
        await using var cluster = await StartClusterAsync(2);
        var n0 = cluster[0].Services.GetRequiredService<INonceRegistry>();
        var n1 = cluster[1].Services.GetRequiredService<INonceRegistry>();
        var later = DateTimeOffset.UtcNow.AddMinutes(5);
        var taken = NewKey("taken");
        Assert.True(await n0.TryRegisterAsync("batch", taken, later));

        // 200 nonces, each attempted 3 times from both silos at once (so batches hold duplicates and overlap
        // across silos), plus replays of a nonce registered before: exactly one attempt per new nonce wins.
        var nonces = Enumerable.Range(0, 200).Select(i => NewKey("b" + i)).ToList();
        var attempts = nonces.SelectMany(n => Enumerable.Range(0, 3).Select(i => (Nonce: n, Registry: i % 2 == 0 ? n0 : n1)))
            .Concat(Enumerable.Range(0, 10).Select(i => (Nonce: taken, Registry: i % 2 == 0 ? n0 : n1)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var results = await Task.WhenAll(attempts.Select(async a => (a.Nonce, Accepted: await a.Registry.TryRegisterAsync("batch", a.Nonce, later))));
        foreach (var n in nonces)
        {
            Assert.Single(results, r => r.Nonce == n && r.Accepted);
        }

        Assert.DoesNotContain(results, r => r.Nonce == taken && r.Accepted);
        Assert.False(await n1.TryRegisterAsync("batch", nonces[0], later));
    }
}

public sealed class PostgresMembershipConformanceTests : MembershipConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteMembershipConformanceTests : MembershipConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
