using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Runtime;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>
/// Two front silos on one PostgreSQL cluster store: keys are grains (created on one silo, usable on the other),
/// nonces are cluster-wide (a request replayed to the other silo is refused), revocation reaches every silo, and
/// the store holds only encrypted secrets.
/// </summary>
public sealed class ClusterAccessKeyTests : IAsyncLifetime
{
    private PostgresDatabase _db = null!;
    private string _dir = null!;
    private FrontTestHost _a = null!;
    private FrontTestHost _b = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        _dir = Directory.CreateTempSubdirectory("cluster-keys-").FullName;
        var masterKey = Path.Combine(_dir, "master.key");
        // No key cache: the revocation check below must hold at once on the other silo.
        var settings = new Dictionary<string, string?> { ["Api:Security:KeyCacheDuration"] = "00:00:00" };
        _a = await FrontTestHost.StartAsync(settings, s => AddRuntime(s, "front-a"), masterKey);
        _b = await FrontTestHost.StartAsync(settings, s => AddRuntime(s, "front-b"), masterKey);
    }

    private void AddRuntime(IServiceCollection services, string silo) => FrontTestHost.AddApiRuntime(services, silo, _db.ConnectionString);

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task Keys_nonces_and_revocations_are_cluster_wide()
    {
        Assert.IsType<GrainAccessKeyStore>(_a.Services.GetRequiredService<IAccessKeyStore>());
        Assert.IsType<RuntimeNonceStore>(_a.Services.GetRequiredService<INonceStore>());

        // A key created through silo A's admin API signs requests on silo B.
        var created = await ApiAssert.OkAsync(await _a.Http.SendAsync(SignedRequests.V3(HttpMethod.Post, _a.BaseAddress, "/api/v1/admin/access-keys", null,
            "{\"Permissions\":[\"imm:*@project/media-*\"]}", _a.Admin)));
        var key = new CreatedAccessKey(created.GetProperty("AccessKeyId").GetString()!, created.GetProperty("AccessKeySecret").GetString()!, null!);
        await ApiAssert.OkAsync(await _b.Http.SendAsync(SignedRequests.V2("CreateProject", new Dictionary<string, string> { ["ProjectName"] = "media-c" }, key)));

        // One signed request, sent to A then replayed to B: refused there.
        var signed = SignedRequests.V2Parameters("ListProjects", new Dictionary<string, string>(), key.AccessKeyId, key.AccessKeySecret);
        await ApiAssert.OkAsync(await _a.Http.SendAsync(SignedRequests.Send("GET", signed)));
        await ApiAssert.ErrorAsync(await _b.Http.SendAsync(SignedRequests.Send("GET", signed)), HttpStatusCode.BadRequest, "SignatureNonceUsed");

        // Both silos list it; revoked on B, refused on A.
        var list = await ApiAssert.OkAsync(await _a.Http.SendAsync(SignedRequests.V3(HttpMethod.Get, _a.BaseAddress, "/api/v1/admin/access-keys", null, null, _b.Admin)));
        Assert.Contains(list.GetProperty("AccessKeys").EnumerateArray(), k => k.GetProperty("AccessKeyId").GetString() == key.AccessKeyId);
        await ApiAssert.OkAsync(await _b.Http.SendAsync(SignedRequests.V3(HttpMethod.Delete, _b.BaseAddress, "/api/v1/admin/access-keys/" + key.AccessKeyId, null, null, _b.Admin)));
        await ApiAssert.ErrorAsync(await _a.Http.SendAsync(SignedRequests.V2("ListProjects", new Dictionary<string, string>(), key)),
            HttpStatusCode.BadRequest, "InvalidAccessKeyId.Inactive");

        // The store holds the keys, never a plain secret.
        await using var conn = new NpgsqlConnection(_db.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT grain_key, state::text FROM grains WHERE grain_type = 'access-key'", conn);
        var rows = new Dictionary<string, string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows[reader.GetString(0)] = reader.GetString(1);
            }
        }

        Assert.Equal(5, rows.Count); // each test host's admin and media keys, and the one created above
        Assert.Contains("Revoked", rows[key.AccessKeyId]);
        foreach (var secret in new[] { key.AccessKeySecret, _a.Admin.AccessKeySecret, _b.Admin.AccessKeySecret, _a.MediaKey.AccessKeySecret, _b.MediaKey.AccessKeySecret })
        {
            Assert.DoesNotContain(rows.Values, state => state.Contains(secret, StringComparison.Ordinal));
        }
    }
}
