using System.Net;
using System.Text;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>Dispatch and error rendering of the Alibaba RPC endpoint.</summary>
public sealed class RpcEndpointTests : IAsyncLifetime
{
    private FrontTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FrontTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Unknown_action_and_version_get_the_gateway_codes_not_500()
    {
        await ApiAssert.ErrorAsync(
            await _host.Http.SendAsync(SignedRequests.V2("NoSuchAction", new Dictionary<string, string>(), _host.Admin)), HttpStatusCode.NotFound, "InvalidAction.NotFound");
        await ApiAssert.ErrorAsync(
            await _host.Http.SendAsync(SignedRequests.V2("GetProject", new Dictionary<string, string> { ["ProjectName"] = "p" }, _host.Admin, version: "2017-09-06")),
            HttpStatusCode.BadRequest, "InvalidVersion");
        // An ICE action under the IMM version is unknown too.
        await ApiAssert.ErrorAsync(
            await _host.Http.SendAsync(SignedRequests.V2("RegisterMediaInfo", new Dictionary<string, string> { ["InputURL"] = "oss://b/k" }, _host.Admin)),
            HttpStatusCode.NotFound, "InvalidAction.NotFound");
    }

    [Fact]
    public async Task Unsigned_requests_are_refused()
    {
        await ApiAssert.ErrorAsync(await _host.Http.GetAsync("/?Action=GetProject&Version=2020-09-30&ProjectName=p"), HttpStatusCode.BadRequest, "IncompleteSignature");
        await ApiAssert.ErrorAsync(await _host.Http.GetAsync("/"), HttpStatusCode.BadRequest, "IncompleteSignature");
    }

    [Fact]
    public async Task Unexpected_failures_are_500_InternalError_without_details()
    {
        var response = await _host.Http.SendAsync(SignedRequests.V2("GetTask",
            new Dictionary<string, string> { ["ProjectName"] = "p", ["TaskType"] = "FileUncompression", ["TaskId"] = "t" }, _host.Admin));
        var body = await ApiAssert.ErrorAsync(response, HttpStatusCode.InternalServerError, "InternalError");
        Assert.DoesNotContain("secret internal detail", body.ToString());
        Assert.Contains(_host.Logs.Lines, l => l.Contains("secret internal detail 42") && l.Contains(body.GetProperty("RequestId").GetString()!));
    }

    [Fact]
    public async Task A_fenced_silo_answers_503_ServiceUnavailable_so_clients_retry()
    {
        var response = await _host.Http.SendAsync(SignedRequests.V2("SuspendBatch",
            new Dictionary<string, string> { ["ProjectName"] = "p" }, _host.Admin));
        await ApiAssert.ErrorAsync(response, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");
    }

    [Fact]
    public async Task Domain_refusals_keep_their_code_and_status()
    {
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "dup" };
        await ApiAssert.OkAsync(await _host.Http.SendAsync(SignedRequests.V2("CreateProject", parameters, _host.Admin)));
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.V2("CreateProject", parameters, _host.Admin)), HttpStatusCode.Conflict, "ResourceAlreadyExists");
        await ApiAssert.ErrorAsync(
            await _host.Http.SendAsync(SignedRequests.V2("GetProject", new Dictionary<string, string> { ["ProjectName"] = "none" }, _host.Admin)),
            HttpStatusCode.NotFound, "ResourceNotFound");
    }

    [Fact]
    public async Task Success_bodies_start_with_RequestId_and_match_the_header()
    {
        var response = await _host.Http.SendAsync(SignedRequests.V2("ListProjects", new Dictionary<string, string>(), _host.Admin, method: "POST"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"RequestId\":\"", text);
        var body = await ApiAssert.OkAsync(response);
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), body.GetProperty("RequestId").GetString());
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString().Replace(";charset", "; charset"));
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_refused_before_parsing()
    {
        var big = SignedRequests.V2("CreateProject", new Dictionary<string, string> { ["ProjectName"] = "big", ["Description"] = new string('d', 1024 * 1024) }, _host.Admin, method: "POST");
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(big), HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge");

        // Chunked (no Content-Length): the limit still holds.
        var chunked = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("Description=" + new string('d', 2 * 1024 * 1024)))),
        };
        chunked.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        chunked.Headers.TransferEncodingChunked = true;
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge");
        Assert.DoesNotContain("CreateProject:big", _host.Operations.Calls);
    }

    [Fact]
    public async Task Timestamp_in_the_future_beyond_the_window_is_refused_within_it_accepted()
    {
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "p" };
        await ApiAssert.ErrorAsync(
            await _host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, _host.Admin, timestamp: DateTimeOffset.UtcNow.AddMinutes(16))),
            HttpStatusCode.BadRequest, "InvalidTimeStamp.Expired");
        await ApiAssert.OkAsync(await _host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, _host.Admin, timestamp: DateTimeOffset.UtcNow.AddMinutes(14))));
        await ApiAssert.OkAsync(await _host.Http.SendAsync(SignedRequests.V2("ListProjects", parameters, _host.Admin, timestamp: DateTimeOffset.UtcNow.AddMinutes(-14))));
        var malformed = SignedRequests.V2Parameters("ListProjects", parameters, _host.Admin.AccessKeyId, _host.Admin.AccessKeySecret);
        malformed["Timestamp"] = "yesterday";
        malformed["Signature"] = Orleans.Media.Silo.Security.AlibabaV2Signature.Compute(_host.Admin.AccessKeySecret, "GET", malformed);
        await ApiAssert.ErrorAsync(await _host.Http.SendAsync(SignedRequests.Send("GET", malformed)), HttpStatusCode.BadRequest, "InvalidTimeStamp.Format");
    }
}
