using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>The admin key is created once per cluster store, by the first silo, not once per data directory.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ClusterBootstrapTests
{
    [Fact(Skip = "BUG: AccessKeyBootstrap.EnsureAdminKeyAsync (src/Orleans.Media.Silo/Security/AccessKeyBootstrap.cs:17) only checks the local credentials.json, so every silo joining a PostgreSQL cluster with a fresh data dir mints another admin key in the shared store and writes it to its own data dir")]
    public async Task A_second_silo_on_the_same_store_does_not_create_another_admin_key()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var masterKey = Path.Combine(Path.GetTempPath(), $"om-master-{Guid.NewGuid():N}.key");
        SiloProcessOptions Options(int i) => new SiloProcessOptions { Name = $"boot-{i}" }
            .WithFastTimings()
            .WithPostgres(database.ConnectionString)
            .With("AccessKeys__MasterKeyPath", masterKey);
        await using var first = await SiloProcess.StartAsync(Options(0));
        var credentials = await first.ReadCredentialsAsync();
        await using var second = await SiloProcess.StartAsync(Options(1));

        // The bootstrap runs right after the host starts; give it the time it takes on the first silo.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(File.Exists(Path.Combine(second.DataDir, "credentials.json")), "the second silo minted its own admin key");
        Assert.DoesNotContain("Created admin access key", second.ReadLog(), StringComparison.Ordinal);

        // The first silo's key works on the second.
        using var client = new ImmClient(second.BaseAddress, credentials);
        await client.CreateProjectAsync("bootok");
    }
}
