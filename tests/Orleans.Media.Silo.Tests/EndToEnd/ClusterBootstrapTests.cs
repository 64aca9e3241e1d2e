using System.Diagnostics;
using System.Text.Json;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>The admin key is created once per cluster store, by the first silo, not once per data directory.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ClusterBootstrapTests
{
    [Fact]
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

    [Fact]
    public async Task The_keys_verb_of_the_silo_binary_creates_a_key_the_cluster_accepts()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var masterKey = Path.Combine(Path.GetTempPath(), $"om-master-{Guid.NewGuid():N}.key");
        var options = new SiloProcessOptions { Name = "keys-silo" }
            .WithFastTimings()
            .WithPostgres(database.ConnectionString)
            .With("AccessKeys__MasterKeyPath", masterKey);
        await using var silo = await SiloProcess.StartAsync(options);
        var admin = await silo.ReadCredentialsAsync();
        using (var adminClient = new ImmClient(silo.BaseAddress, admin))
        {
            await adminClient.CreateProjectAsync("keysok");
        }

        // Run the verb as a user would: the real binary, the cluster's store and master key, its own data dir.
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[] { SiloProcess.SiloAssembly, "keys", "create", "--permission", "imm:*@project/keysok", "--description", "from the CLI" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ConnectionStrings__Postgres"] = database.ConnectionString;
        start.Environment["AccessKeys__MasterKeyPath"] = masterKey;
        start.Environment["OrleansMedia__DataDir"] = Path.Combine(Path.GetTempPath(), $"om-keys-{Guid.NewGuid():N}");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"keys create exited {process.ExitCode}: {await stderr}");

        using var created = JsonDocument.Parse(await stdout); // standard output holds the answer alone

        var key = new SiloCredentials(
            created.RootElement.GetProperty("AccessKeyId").GetString()!,
            created.RootElement.GetProperty("AccessKeySecret").GetString()!);

        // The new key works on its project at once, on the running silo.
        using var client = new ImmClient(silo.BaseAddress, key);
        (await client.CallAsync("GetProject", new Dictionary<string, string> { ["ProjectName"] = "keysok" })).EnsureOk("GetProject");
    }
}
