using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Orleans.Media.Silo.Tests.EndToEnd;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>
/// The <c>keys</c> verb and the embedded default's data-directory lock, on real silo processes: with a silo running,
/// the verb acts through its admin API (a revoke is refused at the very next call); a second embedded silo on the
/// same directory refuses to start; after kill -9 the OS has dropped the lock and the verb works on the file again.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RunningSiloKeysTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task With_a_silo_running_the_verb_goes_through_it_and_a_revoke_is_refused_at_once()
    {
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "keys-live" });
        var admin = await silo.ReadCredentialsAsync();

        var create = await RunKeysAsync(silo.DataDir, "create", "--permission", "imm:*@*", "--description", "live");
        Assert.True(create.Exit == 0, create.ToString());
        Assert.Contains("through its admin API", create.Error);
        var created = JsonDocument.Parse(create.Output).RootElement;
        var key = new SiloCredentials(created.GetProperty("AccessKeyId").GetString()!, created.GetProperty("AccessKeySecret").GetString()!);
        Assert.Equal("imm:*@*", created.GetProperty("Permissions")[0].GetString());

        using var client = new ImmClient(silo.BaseAddress, key);
        (await client.CallAsync("ListProjects", new Dictionary<string, string>())).EnsureOk("ListProjects with the new key");

        var list = await RunKeysAsync(silo.DataDir, "list");
        Assert.True(list.Exit == 0, list.ToString());
        Assert.Contains(JsonDocument.Parse(list.Output).RootElement.EnumerateArray(), k => k.GetProperty("AccessKeyId").GetString() == key.AccessKeyId);
        Assert.DoesNotContain(key.AccessKeySecret, list.Output);

        // A token needs the key's secret, which the running silo never gives out: refused, naming the API.
        var token = await RunKeysAsync(silo.DataDir, "token", key.AccessKeyId);
        Assert.Equal(1, token.Exit);
        Assert.Contains("/api/v1/tokens", token.Error);
        var adminToken = await RunKeysAsync(silo.DataDir, "token", admin.AccessKeyId, "--hours", "1");
        Assert.True(adminToken.Exit == 0, adminToken.ToString());
        using (var http = new HttpClient { BaseAddress = silo.BaseAddress })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/admin/access-keys");
            request.Headers.Authorization = new("Bearer", adminToken.Output.Trim());
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }

        var revoke = await RunKeysAsync(silo.DataDir, "revoke", key.AccessKeyId);
        Assert.True(revoke.Exit == 0, revoke.ToString());
        var refused = await client.CallAsync("ListProjects", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("InvalidAccessKeyId.Inactive", refused.Code);

        var unknown = await RunKeysAsync(silo.DataDir, "revoke", "OMAKNOPE");
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("does not exist", unknown.Error);

        // The verb started no second silo on the store: the running one's log shows no other cluster member's writes.
        Assert.DoesNotContain("InconsistentStateException", silo.ReadLog());
    }

    [Fact]
    public async Task A_second_embedded_silo_on_the_same_data_directory_refuses_to_start_naming_it()
    {
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "keys-first" });
        var admin = await silo.ReadCredentialsAsync();

        var second = await RunSiloBinaryAsync(silo.DataDir, "--urls", "http://127.0.0.1:0");
        Assert.NotEqual(0, second.Exit);
        Assert.Contains(Path.GetFullPath(silo.DataDir), second.Error);
        Assert.Contains("in use by another process", second.Error);
        Assert.Equal(2, second.Exit);
        Assert.DoesNotContain("Unhandled exception", second.Error); // The operator gets the message, not a stack trace.

        // The first silo is untouched.
        using var client = new ImmClient(silo.BaseAddress, admin);
        (await client.CallAsync("ListProjects", new Dictionary<string, string>())).EnsureOk("ListProjects on the first silo");
    }

    [Fact]
    public async Task After_kill_9_the_verb_works_on_the_file_again_and_a_new_silo_starts()
    {
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "keys-killed" });
        await silo.ReadCredentialsAsync();
        await silo.KillAsync();

        var create = await RunKeysAsync(silo.DataDir, "create", "--permission", "imm:*@*");
        Assert.True(create.Exit == 0, create.ToString());
        Assert.DoesNotContain("through its admin API", create.Error);
        var created = JsonDocument.Parse(create.Output).RootElement;
        var key = new SiloCredentials(created.GetProperty("AccessKeyId").GetString()!, created.GetProperty("AccessKeySecret").GetString()!);

        // The offline verb released the directory when it exited: the silo starts and knows the key.
        await silo.StartAsync();
        using var client = new ImmClient(silo.BaseAddress, key);
        (await client.CallAsync("ListProjects", new Dictionary<string, string>())).EnsureOk("ListProjects with the key made offline");
    }

    private sealed record CommandResult(int Exit, string Output, string Error)
    {
        public override string ToString() => $"exit {Exit}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    private static Task<CommandResult> RunKeysAsync(string dataDir, params string[] args) => RunSiloBinaryAsync(dataDir, ["keys", .. args]);

    /// <summary>The silo binary as a user runs it, on <paramref name="dataDir"/>, with nothing inherited that redirects it.</summary>
    private static async Task<CommandResult> RunSiloBinaryAsync(string dataDir, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        start.ArgumentList.Add(SiloProcess.SiloAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k =>
                     k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("OrleansMedia__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["OrleansMedia__DataDir"] = dataDir;
        start.Environment["OrleansMedia__SiloPort"] = "0";
        start.Environment["OrleansMedia__GatewayPort"] = "0";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{string.Join(' ', args)}` did not exit within {CommandTimeout.TotalSeconds:0} s.\n{await error}");
        }

        return new CommandResult(process.ExitCode, await output, await error);
    }
}
