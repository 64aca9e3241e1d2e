using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Tests.Protocols;

namespace Orleans.Media.Silo.Tests.Clients;

/// <summary>
/// The vendors' own unmodified npm clients against a real silo endpoint on loopback: @alicloud/pop-core (V2),
/// @alicloud/openapi-client (V3) and the @huaweicloud/huaweicloud-sdk-core signer. Then every refusal the issue
/// names — tampered signature, wrong secret, stale timestamp, replayed nonce, no permission, revoked key — each
/// with the vendor's code, and nothing changed.
/// </summary>
public sealed class VendorClientTests : IAsyncLifetime
{
    private FrontTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FrontTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private object PopPlan(string? secret, params object[] calls) => new
    {
        endpoint = _host.BaseAddress.ToString().TrimEnd('/'),
        apiVersion = TestOperations.Imm,
        accessKeyId = _host.Admin.AccessKeyId,
        accessKeySecret = secret ?? _host.Admin.AccessKeySecret,
        calls,
    };

    private object V3Plan(string? secret, params object[] calls) => new
    {
        endpoint = _host.BaseAddress.Authority,
        apiVersion = TestOperations.Imm,
        accessKeyId = _host.Admin.AccessKeyId,
        accessKeySecret = secret ?? _host.Admin.AccessKeySecret,
        calls,
    };

    private static void AssertRefused(JsonElement result, int status, string code)
    {
        Assert.False(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal(code, result.GetProperty("code").GetString());
        Assert.Equal(status, result.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Pop_core_v2_runs_the_project_lifecycle_with_get_and_post()
    {
        var results = await NodeClient.RunAsync("popcore.js", PopPlan(null,
            new { action = "CreateProject", @params = new { ProjectName = "media-v2", Description = "made by pop-core é *~" } },
            new { action = "GetProject", @params = new { ProjectName = "media-v2", WithStatistics = true }, method = "GET" },
            new { action = "ListProjects", @params = new { Prefix = "media-", MaxResults = 10 }, method = "GET" },
            new { action = "DeleteProject", @params = new { ProjectName = "media-v2" } },
            new { action = "GetProject", @params = new { ProjectName = "media-v2" } }));

        Assert.All(results.Take(4), r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        Assert.Equal("made by pop-core é *~", results[1].GetProperty("body").GetProperty("Project").GetProperty("Description").GetString());
        Assert.True(results[1].GetProperty("body").GetProperty("Project").GetProperty("WithStatistics").GetBoolean());
        Assert.False(string.IsNullOrEmpty(results[0].GetProperty("body").GetProperty("RequestId").GetString()));
        Assert.Equal("media-v2", results[2].GetProperty("body").GetProperty("Projects")[0].GetProperty("ProjectName").GetString());
        AssertRefused(results[4], 404, "ResourceNotFound");
        Assert.Empty(_host.Operations.Projects);
    }

    [Fact]
    public async Task Openapi_client_v3_runs_the_project_lifecycle()
    {
        var results = await NodeClient.RunAsync("openapi.js", V3Plan(null,
            new { action = "CreateProject", @params = new { ProjectName = "media-v3" }, body = new { Description = "v3 ünïcode" } },
            new { action = "GetProject", @params = new { ProjectName = "media-v3" }, method = "GET" },
            new { action = "ListProjects", @params = new { Prefix = "media-" } },
            new { action = "DeleteProject", @params = new { ProjectName = "media-v3" } }));

        Assert.All(results, r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        Assert.Equal("v3 ünïcode", results[1].GetProperty("body").GetProperty("Project").GetProperty("Description").GetString());
        Assert.Single(results[2].GetProperty("body").GetProperty("Projects").EnumerateArray());
        Assert.Empty(_host.Operations.Projects);
        Assert.Contains("CreateProject:media-v3", _host.Operations.Calls);
    }

    [Fact]
    public async Task Huawei_signer_and_token_call_a_v1_project_route()
    {
        var token = await AdminTokenAsync();
        var body = new { file_name = "clip é.mp4", file_type = "mp4", asset_id = "asset-1", asset_file_category = "MAIN", file_multipart_count = 3 };
        var results = await NodeClient.RunAsync("huawei.js", new
        {
            baseUrl = _host.BaseAddress.ToString().TrimEnd('/'),
            accessKeyId = _host.Admin.AccessKeyId,
            accessKeySecret = _host.Admin.AccessKeySecret,
            calls = new object[]
            {
                new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "proj-1", body },
                new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "proj-2", body, token },
                // A non-plain JSON content type: the SDK declares X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD.
                new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "proj-3", body, contentType = "application/json;charset=UTF-8" },
            },
        });

        Assert.Equal(201, results[0].GetProperty("status").GetInt32());
        Assert.Equal("file-1", results[0].GetProperty("body").GetProperty("file_id").GetString());
        Assert.Equal(3, results[0].GetProperty("body").GetProperty("upload_urls").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(results[0].GetProperty("requestId").GetString()));
        Assert.Equal(201, results[1].GetProperty("status").GetInt32());
        Assert.True(201 == results[2].GetProperty("status").GetInt32(), results[2].ToString());
        Assert.Contains("CreateLargeFile:proj-1:clip é.mp4", _host.Operations.Calls);
        Assert.Contains("CreateLargeFile:proj-2:clip é.mp4", _host.Operations.Calls);
        Assert.Contains("CreateLargeFile:proj-3:clip é.mp4", _host.Operations.Calls);
    }

    [Fact]
    public async Task Huawei_refusals_wrong_secret_stale_date_replay_bad_token()
    {
        var body = new { file_name = "a.mp4", file_type = "mp4", asset_id = "asset-1", asset_file_category = "MAIN" };
        var stale = DateTimeOffset.UtcNow.AddMinutes(-20).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var plan = new
        {
            baseUrl = _host.BaseAddress.ToString().TrimEnd('/'),
            accessKeyId = _host.Admin.AccessKeyId,
            accessKeySecret = _host.Admin.AccessKeySecret,
            calls = new object[]
            {
                new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "p", body, sdkDate = stale },
                new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "p", body, repeat = 2 },
                new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "p", body, token = "omt1.nope.1.abc" },
            },
        };
        var results = await NodeClient.RunAsync("huawei.js", plan);
        AssertHuawei(results[0], 401, "MSS.00000001");
        Assert.Contains("InvalidTimeStamp.Expired", results[0].GetProperty("body").GetProperty("error_msg").GetString());
        Assert.Equal(201, results[1].GetProperty("status").GetInt32());
        AssertHuawei(results[2], 401, "MSS.00000001");
        Assert.Contains("SignatureNonceUsed", results[2].GetProperty("body").GetProperty("error_msg").GetString());
        AssertHuawei(results[3], 401, "MSS.00000001");

        var wrong = await NodeClient.RunAsync("huawei.js", new
        {
            plan.baseUrl,
            plan.accessKeyId,
            accessKeySecret = "wrong-secret",
            calls = new object[] { new { method = "POST", path = "/v1/{project_id}/large-files", projectId = "p", body } },
        });
        AssertHuawei(wrong[0], 401, "MSS.00000001");
        Assert.Contains("SignatureDoesNotMatch", wrong[0].GetProperty("body").GetProperty("error_msg").GetString());
        Assert.Single(_host.Operations.Calls); // only the first of the two identical requests ran
    }

    [Fact]
    public async Task Refusals_have_the_vendor_codes_and_change_nothing()
    {
        _host.Operations.Projects["media-keep"] = "original";
        var callsBefore = _host.Operations.Calls.Count;
        var stale = DateTimeOffset.UtcNow.AddMinutes(-16).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var nonce = Guid.NewGuid().ToString("N");

        // Wrong secret (V2 and V3).
        var wrong = await NodeClient.RunAsync("popcore.js", PopPlan("wrong-secret", new { action = "DeleteProject", @params = new { ProjectName = "media-keep" } }));
        AssertRefused(wrong[0], 400, "SignatureDoesNotMatch");
        var wrongV3 = await NodeClient.RunAsync("openapi.js", V3Plan("wrong-secret", new { action = "DeleteProject", @params = new { ProjectName = "media-keep" } }));
        AssertRefused(wrongV3[0], 400, "SignatureDoesNotMatch");

        // Stale timestamp, replayed nonce (V2: pop-core lets parameters override Timestamp and SignatureNonce).
        var v2 = await NodeClient.RunAsync("popcore.js", PopPlan(null,
            new { action = "DeleteProject", @params = new { ProjectName = "media-keep", Timestamp = stale } },
            new { action = "UpdateProject", @params = new { ProjectName = "media-keep", SignatureNonce = nonce } },
            new { action = "DeleteProject", @params = new { ProjectName = "media-keep", SignatureNonce = nonce } }));
        AssertRefused(v2[0], 400, "InvalidTimeStamp.Expired");
        AssertRefused(v2[1], 404, "InvalidAction.NotFound"); // signed fine (nonce used), no such test operation
        AssertRefused(v2[2], 400, "SignatureNonceUsed");

        // Same with V3 (OpenApiRequest.headers override x-acs-date and x-acs-signature-nonce).
        var v3Nonce = Guid.NewGuid().ToString("N");
        var v3 = await NodeClient.RunAsync("openapi.js", V3Plan(null,
            new { action = "DeleteProject", @params = new { ProjectName = "media-keep" }, headers = new Dictionary<string, string> { ["x-acs-date"] = stale } },
            new { action = "GetProject", @params = new { ProjectName = "media-keep" }, headers = new Dictionary<string, string> { ["x-acs-signature-nonce"] = v3Nonce } },
            new { action = "DeleteProject", @params = new { ProjectName = "media-keep" }, headers = new Dictionary<string, string> { ["x-acs-signature-nonce"] = v3Nonce } }));
        AssertRefused(v3[0], 400, "InvalidTimeStamp.Expired");
        Assert.True(v3[1].GetProperty("ok").GetBoolean(), v3[1].ToString());
        AssertRefused(v3[2], 400, "SignatureNonceUsed");

        // A key without permission for the project (imm:* on project/media-* only).
        var limited = await NodeClient.RunAsync("popcore.js", new
        {
            endpoint = _host.BaseAddress.ToString().TrimEnd('/'),
            apiVersion = TestOperations.Imm,
            accessKeyId = _host.MediaKey.AccessKeyId,
            accessKeySecret = _host.MediaKey.AccessKeySecret,
            calls = new object[]
            {
                new { action = "CreateProject", @params = new { ProjectName = "finance" } },
                new { action = "GetProject", @params = new { ProjectName = "media-keep" } },
            },
        });
        AssertRefused(limited[0], 403, "Forbidden.RAM");
        Assert.True(limited[1].GetProperty("ok").GetBoolean(), limited[1].ToString());

        // A tampered request: signed for one project, sent for another.
        var signed = SignedRequests.V2Parameters("DeleteProject", new Dictionary<string, string> { ["ProjectName"] = "media-other" },
            _host.Admin.AccessKeyId, _host.Admin.AccessKeySecret, "POST");
        signed["ProjectName"] = "media-keep";
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.Send("POST", signed)), HttpStatusCode.BadRequest, "SignatureDoesNotMatch");
        signed = SignedRequests.V2Parameters("DeleteProject", new Dictionary<string, string> { ["ProjectName"] = "media-keep" },
            _host.Admin.AccessKeyId, _host.Admin.AccessKeySecret, "POST");
        // Change the first character (replacing it with 'A' left one signature in 64 intact, and valid).
        signed["Signature"] = (signed["Signature"][0] == 'A' ? "B" : "A") + signed["Signature"][1..];
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.Send("POST", signed)), HttpStatusCode.BadRequest, "SignatureDoesNotMatch");

        // An unknown key, then a revoked key (revoked through the admin API).
        var unknown = SignedRequests.V2Parameters("DeleteProject", new Dictionary<string, string> { ["ProjectName"] = "media-keep" },
            "OMAKDOESNOTEXIST000000000", "whatever", "POST");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.Send("POST", unknown)), HttpStatusCode.NotFound, "InvalidAccessKeyId.NotFound");
        var token = await AdminTokenAsync();
        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/admin/access-keys/" + _host.MediaKey.AccessKeyId))
        {
            revoke.Headers.Authorization = new("Bearer", token);
            var revoked = await ApiAssert.OkAsync(await _host.Http.SendAsync(revoke));
            Assert.Equal("Revoked", revoked.GetProperty("Status").GetString());
        }

        var afterRevoke = await NodeClient.RunAsync("popcore.js", new
        {
            endpoint = _host.BaseAddress.ToString().TrimEnd('/'),
            apiVersion = TestOperations.Imm,
            accessKeyId = _host.MediaKey.AccessKeyId,
            accessKeySecret = _host.MediaKey.AccessKeySecret,
            calls = new object[] { new { action = "DeleteProject", @params = new { ProjectName = "media-keep" } } },
        });
        AssertRefused(afterRevoke[0], 400, "InvalidAccessKeyId.Inactive");

        // Nothing changed: the project is intact and only the two allowed GetProject calls reached a handler.
        Assert.Equal("original", _host.Operations.Projects["media-keep"]);
        Assert.Single(_host.Operations.Projects);
        Assert.Equal(["GetProject:media-keep", "GetProject:media-keep"], _host.Operations.Calls.Skip(callsBefore).ToArray());
    }

    private async Task<string> AdminTokenAsync()
    {
        var request = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/tokens", null, "{\"DurationSeconds\":600}", _host.Admin);
        var body = await ApiAssert.OkAsync(await _host.Http.SendAsync(request));
        return body.GetProperty("AccessToken").GetString()!;
    }

    private static void AssertHuawei(JsonElement result, int status, string code)
    {
        Assert.True(status == result.GetProperty("status").GetInt32(), result.ToString());
        Assert.Equal(code, result.GetProperty("body").GetProperty("error_code").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("requestId").GetString()));
    }
}
