using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>Key management through the admin API, the CLI verb and the first-start bootstrap — and secrets never logged.</summary>
public sealed class AccessKeyAdminTests : IAsyncLifetime
{
    private FrontTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FrontTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private HttpRequestMessage Admin(HttpMethod method, string path, string? json, CreatedAccessKey? key = null) =>
        SignedRequests.V3(method, _host.BaseAddress, path, null, json, key ?? _host.Admin);

    [Fact]
    public async Task Create_list_use_and_revoke_a_key_and_never_log_a_secret()
    {
        var created = await ApiAssert.OkAsync(await _host.Http.SendAsync(Admin(HttpMethod.Post, "/api/v1/admin/access-keys",
            "{\"Permissions\":[\"imm:*@project/team-*\"],\"Description\":\"team key\"}")));
        var id = created.GetProperty("AccessKeyId").GetString()!;
        var secret = created.GetProperty("AccessKeySecret").GetString()!;
        Assert.Equal(30, secret.Length);
        Assert.Equal("imm:*@project/team-*", created.GetProperty("AccessKey").GetProperty("Permissions")[0].GetString());

        // The new key signs calls, within its grant only.
        var key = new CreatedAccessKey(id, secret, null!);
        await ApiAssert.OkAsync(await _host.Http.SendAsync(SignedRequests.V2("CreateProject", new Dictionary<string, string> { ["ProjectName"] = "team-a" }, key)));
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.V2("CreateProject", new Dictionary<string, string> { ["ProjectName"] = "media-a" }, key)),
            HttpStatusCode.Forbidden, "Forbidden.RAM");
        // And cannot manage keys.
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(Admin(HttpMethod.Get, "/api/v1/admin/access-keys", null, key)), HttpStatusCode.Forbidden, "Forbidden.RAM");

        var list = await ApiAssert.OkAsync(await _host.Http.SendAsync(Admin(HttpMethod.Get, "/api/v1/admin/access-keys", null)));
        var listed = list.GetProperty("AccessKeys").EnumerateArray().Single(k => k.GetProperty("AccessKeyId").GetString() == id);
        Assert.Equal("Active", listed.GetProperty("Status").GetString());
        Assert.DoesNotContain(secret, list.ToString());

        await ApiAssert.OkAsync(await _host.Http.SendAsync(Admin(HttpMethod.Delete, "/api/v1/admin/access-keys/" + id, null)));
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.V2("GetProject", new Dictionary<string, string> { ["ProjectName"] = "team-a" }, key)),
            HttpStatusCode.BadRequest, "InvalidAccessKeyId.Inactive");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(Admin(HttpMethod.Delete, "/api/v1/admin/access-keys/OMAKNOPE", null)), HttpStatusCode.NotFound, "ResourceNotFound");

        // Secrets of the key created and of the keys that signed never reached a log line (all levels captured).
        Assert.NotEmpty(_host.Logs.Lines);
        Assert.Contains(_host.Logs.Lines, l => l.Contains(id)); // the id is logged: the capture works
        foreach (var s in new[] { secret, _host.Admin.AccessKeySecret, _host.MediaKey.AccessKeySecret })
        {
            Assert.DoesNotContain(s, _host.Logs.All);
        }
    }

    [Fact]
    public async Task Invalid_permissions_are_refused()
    {
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(Admin(HttpMethod.Post, "/api/v1/admin/access-keys", "{\"Permissions\":[\"@\"]}")),
            HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(Admin(HttpMethod.Post, "/api/v1/admin/access-keys", "{\"Permissions\":\"imm:*\"}")),
            HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(Admin(HttpMethod.Post, "/api/v1/admin/access-keys", "{}")),
            HttpStatusCode.BadRequest, "MissingPermissions");
    }

    [Fact]
    public async Task Cli_verb_creates_lists_issues_tokens_and_revokes()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, await AccessKeyCommand.RunAsync(["keys", "create", "--permission", "imm:*@project/cli-*", "--description", "cli"], _host.Services, output, error, default));
        var created = JsonDocument.Parse(output.ToString()).RootElement;
        var id = created.GetProperty("AccessKeyId").GetString()!;
        var secret = created.GetProperty("AccessKeySecret").GetString()!;

        output = new StringWriter();
        Assert.Equal(0, await AccessKeyCommand.RunAsync(["keys", "list"], _host.Services, output, error, default));
        Assert.Contains(id, output.ToString());
        Assert.DoesNotContain(secret, output.ToString());

        output = new StringWriter();
        Assert.Equal(0, await AccessKeyCommand.RunAsync(["keys", "token", id, "--hours", "2"], _host.Services, output, error, default));
        var token = output.ToString().Trim();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/projects");
        request.Headers.Authorization = new("Bearer", token);
        await ApiAssert.OkAsync(await _host.Http.SendAsync(request));

        Assert.Equal(0, await AccessKeyCommand.RunAsync(["keys", "revoke", id], _host.Services, new StringWriter(), error, default));
        Assert.Equal(AccessKeyStatus.Revoked, (await _host.Services.GetRequiredService<IAccessKeyStore>().GetAsync(id, default))!.Status);
        Assert.Equal(1, await AccessKeyCommand.RunAsync(["keys", "revoke", "OMAKNOPE"], _host.Services, new StringWriter(), new StringWriter(), default));
        Assert.Equal(2, await AccessKeyCommand.RunAsync(["keys", "create"], _host.Services, new StringWriter(), new StringWriter(), default));
        Assert.Equal(2, await AccessKeyCommand.RunAsync(["keys", "frobnicate"], _host.Services, new StringWriter(), new StringWriter(), default));
        Assert.DoesNotContain(secret, _host.Logs.All);
    }

    [Fact]
    public async Task First_start_writes_admin_credentials_once_and_logs_only_the_path()
    {
        var dir = Directory.CreateTempSubdirectory("creds-").FullName;
        try
        {
            var path = Path.Combine(dir, "credentials.json");

            // A store that already has an active admin key (a silo joining a cluster) gets no second one.
            Assert.False(await AccessKeyBootstrap.EnsureAdminKeyAsync(_host.Services, path, default));
            Assert.False(File.Exists(path));

            // First start proper: no active admin key in the store.
            Assert.True(await _host.Services.GetRequiredService<IAccessKeyStore>().RevokeAsync(_host.Admin.AccessKeyId, default));
            Assert.True(await AccessKeyBootstrap.EnsureAdminKeyAsync(_host.Services, path, default));
            Assert.False(await AccessKeyBootstrap.EnsureAdminKeyAsync(_host.Services, path, default));
            var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement;
            var id = credentials.GetProperty("AccessKeyId").GetString()!;
            var secret = credentials.GetProperty("AccessKeySecret").GetString()!;
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            var admin = new CreatedAccessKey(id, secret, null!);
            await ApiAssert.OkAsync(await _host.Http.SendAsync(SignedRequests.V3(HttpMethod.Get, _host.BaseAddress, "/api/v1/admin/access-keys", null, null, admin)));
            Assert.Contains(_host.Logs.Lines, l => l.Contains(path) && l.Contains(id));
            Assert.DoesNotContain(secret, _host.Logs.All);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
