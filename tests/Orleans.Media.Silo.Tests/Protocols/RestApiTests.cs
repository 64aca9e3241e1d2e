using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>The readable REST routes: same handlers and validation as RPC, bearer tokens or V3 signatures.</summary>
public sealed class RestApiTests : IAsyncLifetime
{
    private FrontTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FrontTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> TokenAsync(Orleans.Media.Grains.AccessKeys.CreatedAccessKey key, int seconds = 600)
    {
        var request = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/tokens", null, $"{{\"DurationSeconds\":{seconds}}}", key);
        var body = await ApiAssert.OkAsync(await _host.Http.SendAsync(request));
        Assert.True(body.GetProperty("Expiration").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(seconds - 60));
        return body.GetProperty("AccessToken").GetString()!;
    }

    private static HttpRequestMessage WithToken(HttpMethod method, string path, string token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Fact]
    public async Task Bearer_token_runs_the_same_handlers_with_route_values_as_parameters()
    {
        var token = await TokenAsync(_host.Admin);
        var created = await ApiAssert.OkAsync(await _host.Http.SendAsync(
            WithToken(HttpMethod.Post, "/api/v1/projects/media-rest", token, "{\"Description\":\"from rest\"}")));
        Assert.Equal("media-rest", created.GetProperty("Project").GetProperty("ProjectName").GetString());
        var got = await ApiAssert.OkAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects/media-rest?WithStatistics=true", token)));
        Assert.Equal("from rest", got.GetProperty("Project").GetProperty("Description").GetString());
        Assert.True(got.GetProperty("Project").GetProperty("WithStatistics").GetBoolean());

        // JSON values (arrays, objects) arrive like RPC's JSON strings.
        var task = await ApiAssert.OkAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Post, "/api/v1/projects/media-rest/tasks/file-uncompression", token,
            "{\"SourceURI\":\"oss://b/a.zip\",\"SelectedFiles\":[\"a\",\"b\",\"c\"],\"Notification\":{\"MNS\":{\"TopicName\":\"t\"}}}")));
        Assert.Equal(3, task.GetProperty("Selected").GetInt32());

        await ApiAssert.OkAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Delete, "/api/v1/projects/media-rest", token)));
        Assert.Empty(_host.Operations.Projects);
    }

    [Fact]
    public async Task The_route_names_the_project_a_body_cannot_redirect_it()
    {
        var token = await TokenAsync(_host.MediaKey);
        await ApiAssert.OkAsync(await _host.Http.SendAsync(
            WithToken(HttpMethod.Post, "/api/v1/projects/media-a", token, "{\"ProjectName\":\"finance\"}")));
        Assert.True(_host.Operations.Projects.ContainsKey("media-a"));
        Assert.False(_host.Operations.Projects.ContainsKey("finance"));
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Post, "/api/v1/projects/finance", token)), HttpStatusCode.Forbidden, "Forbidden.RAM");
    }

    [Fact]
    public async Task Same_validation_as_rpc()
    {
        var token = await TokenAsync(_host.Admin);
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Post, "/api/v1/projects/9bad", token)), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Post, "/api/v1/projects/p/tasks/file-uncompression", token, "{}")),
            HttpStatusCode.BadRequest, "MissingSourceURI");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Post, "/api/v1/projects/p/tasks/file-uncompression", token,
            $"{{\"SourceURI\":\"oss://b/a.zip\",\"UserData\":\"{new string('x', 2049)}\"}}")), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects/p/tasks?MaxResults=500", token)), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Post, "/api/v1/projects/p", token, "{not json")), HttpStatusCode.BadRequest, "InvalidArgument");
        Assert.Empty(_host.Operations.Calls);
    }

    [Fact]
    public async Task V3_signatures_work_on_rest_routes()
    {
        var request = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/projects/media-v3rest", new Dictionary<string, string> { ["Description"] = "q v" }, "{}", _host.Admin);
        var body = await ApiAssert.OkAsync(await _host.Http.SendAsync(request));
        Assert.Equal("q v", body.GetProperty("Project").GetProperty("Description").GetString());

        // The body is covered by the signature: change it after signing and it is refused.
        var tampered = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/projects/media-t", null, "{\"Description\":\"a\"}", _host.Admin);
        tampered.Content = new StringContent("{\"Description\":\"b\"}", Encoding.UTF8, "application/json");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(tampered), HttpStatusCode.BadRequest, "SignatureDoesNotMatch");
        Assert.False(_host.Operations.Projects.ContainsKey("media-t"));

        // With a body, the content type (which decides how the body is read) must be signed.
        var unsignedType = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/projects/media-u", null, "{}", _host.Admin, signContentType: false);
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(unsignedType), HttpStatusCode.BadRequest, "IncompleteSignature");
        Assert.False(_host.Operations.Projects.ContainsKey("media-u"));
    }

    [Fact]
    public async Task Bad_missing_expired_and_revoked_tokens_are_refused()
    {
        await ApiAssert.ErrorAsync(await _host.Http.GetAsync("/api/v1/projects"), HttpStatusCode.Unauthorized, "Unauthorized");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects", "garbage")), HttpStatusCode.Unauthorized, "InvalidSecurityToken.Malformed");

        var token = await TokenAsync(_host.MediaKey);
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 3600}.{parts[3]}";
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects", forged)), HttpStatusCode.Unauthorized, "InvalidSecurityToken.Malformed");
        var expired = Orleans.Media.Silo.Security.AccessToken.Issue(_host.MediaKey.AccessKeyId, _host.MediaKey.AccessKeySecret, DateTimeOffset.UtcNow.AddSeconds(-1));
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects", expired)), HttpStatusCode.Unauthorized, "InvalidSecurityToken.Malformed");
        Assert.DoesNotContain(_host.MediaKey.AccessKeySecret, token);

        await ApiAssert.OkAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects", token)));
        var admin = await TokenAsync(_host.Admin);
        await ApiAssert.OkAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Delete, "/api/v1/admin/access-keys/" + _host.MediaKey.AccessKeyId, admin)));
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/projects", token)), HttpStatusCode.BadRequest, "InvalidAccessKeyId.Inactive");
    }

    [Fact]
    public async Task Unknown_paths_and_methods_answer_in_the_protocol_shape()
    {
        var token = await TokenAsync(_host.Admin);
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Get, "/api/v1/nothing/here", token)), HttpStatusCode.NotFound, "InvalidAction.NotFound");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(WithToken(HttpMethod.Put, "/api/v1/projects/p", token)), HttpStatusCode.NotFound, "InvalidAction.NotFound");
        var huawei = await _host.Http.GetAsync("/v1/p/no-such-resource");
        Assert.Equal(HttpStatusCode.NotFound, huawei.StatusCode);
        var body = System.Text.Json.JsonDocument.Parse(await huawei.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("APIG.0101", body.GetProperty("error_code").GetString());
        Assert.True(huawei.Headers.Contains("X-Request-Id"));
        Assert.Empty(_host.Operations.Calls);
    }

    [Fact]
    public async Task Token_lifetime_is_bounded()
    {
        var request = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/tokens", null, "{\"DurationSeconds\":2592000}", _host.Admin);
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(request), HttpStatusCode.BadRequest, "InvalidArgument");
        request = SignedRequests.V3(HttpMethod.Post, _host.BaseAddress, "/api/v1/tokens", null, "{\"DurationSeconds\":10}", _host.Admin);
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(request), HttpStatusCode.BadRequest, "InvalidArgument");
    }
}
