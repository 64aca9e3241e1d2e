using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Security;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>
/// Two front silos of one Orleans cluster (in-process, on one PostgreSQL database): keys are grains (created on one silo, usable on the other),
/// nonces are cluster-wide (a request replayed to the other silo is refused), revocation reaches every silo, and
/// the store holds only encrypted secrets.
/// </summary>
public sealed class ClusterAccessKeyTests : IAsyncLifetime
{
    private MediaTestCluster _cluster = null!;
    private string _dir = null!;
    private FrontTestHost _a = null!;
    private FrontTestHost _b = null!;

    public async Task InitializeAsync()
    {
        _cluster = await MediaTestCluster.StartAsync(MediaSilos.Options(initialSilos: 2));
        _dir = Directory.CreateTempSubdirectory("cluster-keys-").FullName;
        var masterKey = Path.Combine(_dir, "master.key");
        // No key cache: the revocation check below must hold at once on the other silo.
        var settings = new Dictionary<string, string?> { ["Api:Security:KeyCacheDuration"] = "00:00:00" };
        _a = await FrontTestHost.StartAsync(settings, s => s.UseSilo(_cluster[0]), masterKey);
        _b = await FrontTestHost.StartAsync(settings, s => s.UseSilo(_cluster[1]), masterKey);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _cluster.DisposeAsync();
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

        // The store holds the keys (index copies and Orleans' grain state), never a plain secret.
        await using var conn = new NpgsqlConnection(_cluster.PostgresConnectionString);
        await conn.OpenAsync();
        var rows = new Dictionary<string, string>();
        await using (var cmd = new NpgsqlCommand("SELECT grain_key, state::text FROM grain_index WHERE grain_type = 'access-key'", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var stored = new List<byte[]>();
        await using (var cmd = new NpgsqlCommand("SELECT payload FROM orleans_storage WHERE payload IS NOT NULL", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add((byte[])reader.GetValue(0));
            }
        }

        Assert.Equal(5, rows.Count); // each test host's admin and media keys, and the one created above
        Assert.Contains("Revoked", rows[key.AccessKeyId]);
        Assert.True(stored.Count >= 5, $"{stored.Count} grain states stored");
        Assert.All(rows.Keys, id => Assert.Contains(stored, payload => Contains(payload, System.Text.Encoding.UTF8.GetBytes(id))));
        foreach (var secret in new[] { key.AccessKeySecret, _a.Admin.AccessKeySecret, _b.Admin.AccessKeySecret, _a.MediaKey.AccessKeySecret, _b.MediaKey.AccessKeySecret })
        {
            Assert.DoesNotContain(rows.Values, state => state.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(stored, payload => Contains(payload, System.Text.Encoding.UTF8.GetBytes(secret)));
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
