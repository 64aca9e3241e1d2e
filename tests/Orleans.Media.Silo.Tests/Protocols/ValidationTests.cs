using System.Net;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// One violating request per rule type, through the real RPC endpoint (signed V2), checking the product's code and
/// that the handler never ran.
/// </summary>
public sealed class ValidationTests : IAsyncLifetime
{
    private FrontTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FrontTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpResponseMessage> CallAsync(string action, Dictionary<string, string> parameters, string version = TestOperations.Imm, string method = "GET")
    {
        var before = _host.Operations.Calls.Count;
        var response = await _host.Http.SendAsync(SignedRequests.V2(action, parameters, _host.Admin, method, version));
        if (!response.IsSuccessStatusCode)
        {
            Assert.Equal(before, _host.Operations.Calls.Count); // refused before the handler
        }

        return response;
    }

    [Fact]
    public async Task Required_missing_imm_is_Missing_param()
    {
        var body = await ApiAssert.ErrorAsync(await CallAsync("CreateProject", []), HttpStatusCode.BadRequest, "MissingProjectName");
        Assert.Equal("ProjectName is mandatory for this action.", body.GetProperty("Message").GetString());
        await ApiAssert.ErrorAsync(await CallAsync("CreateFileUncompressionTask", new() { ["ProjectName"] = "p" }), HttpStatusCode.BadRequest, "MissingSourceURI");
    }

    [Fact]
    public async Task Required_missing_ice_is_MissingParameter() =>
        await ApiAssert.ErrorAsync(await CallAsync("RegisterMediaInfo", [], TestOperations.Ice), HttpStatusCode.BadRequest, "MissingParameter");

    [Fact]
    public async Task Type_integer_and_boolean()
    {
        await ApiAssert.ErrorAsync(await CallAsync("ListProjects", new() { ["MaxResults"] = "ten" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("GetProject", new() { ["ProjectName"] = "p", ["WithStatistics"] = "yes" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("RegisterMediaInfo", new() { ["InputURL"] = "oss://b/k", ["Overwrite"] = "1" }, TestOperations.Ice), HttpStatusCode.BadRequest, "InvalidParameter");
    }

    [Fact]
    public async Task Length_limits()
    {
        await ApiAssert.ErrorAsync(await CallAsync("CreateProject", new() { ["ProjectName"] = new string('a', 129) }), HttpStatusCode.BadRequest, "InvalidArgument");
        var ok = await CallAsync("CreateProject", new() { ["ProjectName"] = new string('a', 128) });
        await ApiAssert.OkAsync(ok);
        await ApiAssert.ErrorAsync(await CallAsync("CreateProject", new() { ["ProjectName"] = "p2", ["Description"] = new string('d', 257) }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("ListProjects", new() { ["Prefix"] = new string('p', 129) }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("RegisterMediaInfo", new() { ["InputURL"] = "oss://b/k", ["ReferenceId"] = "abc" }, TestOperations.Ice), HttpStatusCode.BadRequest, "InvalidParameter");
    }

    [Fact]
    public async Task UserData_is_limited_to_2048_bytes_not_characters()
    {
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "p", ["SourceURI"] = "oss://b/a.zip" };
        parameters["UserData"] = new string('x', 2048);
        await ApiAssert.OkAsync(await CallAsync("CreateFileUncompressionTask", parameters));
        parameters["UserData"] = new string('é', 1025); // 1,025 characters, 2,050 bytes
        var body = await ApiAssert.ErrorAsync(await CallAsync("CreateFileUncompressionTask", parameters), HttpStatusCode.BadRequest, "InvalidArgument");
        Assert.Contains("UserData", body.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task Pattern()
    {
        await ApiAssert.ErrorAsync(await CallAsync("CreateProject", new() { ["ProjectName"] = "1starts-with-digit" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("CreateProject", new() { ["ProjectName"] = "has space" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(
            await CallAsync("CreateFileUncompressionTask", new() { ["ProjectName"] = "p", ["SourceURI"] = "http://b/a.zip" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.OkAsync(await CallAsync("CreateProject", new() { ["ProjectName"] = "_Ok-name_1" }));
    }

    [Fact]
    public async Task Enum()
    {
        var body = await ApiAssert.ErrorAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["Order"] = "DESC" }), HttpStatusCode.BadRequest, "InvalidArgument");
        Assert.Contains("Order", body.GetProperty("Message").GetString());
        await ApiAssert.ErrorAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["Status"] = "Done" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["Sort"] = "Name" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(
            await CallAsync("RegisterMediaInfo", new() { ["InputURL"] = "oss://b/k", ["MediaType"] = "movie" }, TestOperations.Ice), HttpStatusCode.BadRequest, "InvalidParameter");
        await ApiAssert.OkAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["Order"] = "DES", ["Status"] = "Running" }));
    }

    [Fact]
    public async Task Range()
    {
        await ApiAssert.ErrorAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["MaxResults"] = "101" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["MaxResults"] = "0" }), HttpStatusCode.BadRequest, "InvalidArgument");
        await ApiAssert.ErrorAsync(await CallAsync("ListProjects", new() { ["MaxResults"] = "201" }), HttpStatusCode.BadRequest, "InvalidArgument");
        var ok = await ApiAssert.OkAsync(await CallAsync("ListTasks", new() { ["ProjectName"] = "p", ["MaxResults"] = "100" }));
        Assert.Equal("100", ok.GetProperty("MaxResults").GetString());
        await ApiAssert.ErrorAsync(await CallAsync("CreateProject", new() { ["ProjectName"] = "p", ["DatasetMaxBindCount"] = "11" }), HttpStatusCode.BadRequest, "InvalidArgument");
    }

    [Fact]
    public async Task Json_parameters_must_parse_and_have_the_right_shape()
    {
        var parameters = new Dictionary<string, string> { ["ProjectName"] = "p", ["SourceURI"] = "oss://b/a.zip", ["SelectedFiles"] = "[\"a\",\"b\"" };
        var body = await ApiAssert.ErrorAsync(await CallAsync("CreateFileUncompressionTask", parameters), HttpStatusCode.BadRequest, "InvalidArgument");
        Assert.Contains("SelectedFiles", body.GetProperty("Message").GetString());
        parameters["SelectedFiles"] = "{\"a\":1}"; // an object where an array is documented
        await ApiAssert.ErrorAsync(await CallAsync("CreateFileUncompressionTask", parameters), HttpStatusCode.BadRequest, "InvalidArgument");
        parameters.Remove("SelectedFiles");
        parameters["Notification"] = "{\"MNS\":";
        body = await ApiAssert.ErrorAsync(await CallAsync("CreateFileUncompressionTask", parameters), HttpStatusCode.BadRequest, "InvalidArgument");
        Assert.Contains("Notification", body.GetProperty("Message").GetString());
        parameters.Remove("Notification");
        parameters["SelectedFiles"] = "[\"a\",\"b\"]";
        var ok = await ApiAssert.OkAsync(await CallAsync("CreateFileUncompressionTask", parameters, method: "POST"));
        Assert.Equal(2, ok.GetProperty("Selected").GetInt32());
    }

    [Fact]
    public async Task Max_items()
    {
        var tags = "[" + string.Join(',', Enumerable.Range(0, 21).Select(i => $"{{\"Key\":\"k{i}\",\"Value\":\"v\"}}")) + "]";
        await ApiAssert.ErrorAsync(await CallAsync("ListProjects", new() { ["Tag"] = tags }), HttpStatusCode.BadRequest, "InvalidArgument");
    }

    [Fact]
    public async Task Huawei_rules_answer_MSS_00000003()
    {
        var response = await _host.Http.SendAsync(HuaweiRequests.Signed(_host, "proj-1", "{\"file_name\":\"a.mp4\",\"file_type\":\"mp4\",\"asset_id\":\"x\",\"asset_file_category\":\"BOTH\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("MSS.00000003", body.GetProperty("error_code").GetString());
        Assert.Contains("asset_file_category", body.GetProperty("error_msg").GetString());
        Assert.True(response.Headers.Contains("X-Request-Id"));
    }

    [Fact]
    public async Task Huawei_body_that_is_not_a_JSON_object_is_MSS_00000002()
    {
        foreach (var json in new[] { "{\"file_name\":", "[1,2]" })
        {
            var response = await _host.Http.SendAsync(HuaweiRequests.Signed(_host, "proj-1", json));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("MSS.00000002", body.GetProperty("error_code").GetString());
            Assert.StartsWith("Invalid body", body.GetProperty("error_msg").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty(_host.Operations.Calls);
    }

    [Fact]
    public async Task Huawei_call_without_permission_is_the_gateways_APIG_0302()
    {
        // The media key may call imm:* on project/media-* only: not MetaStudio.
        var response = await _host.Http.SendAsync(HuaweiRequests.Signed(_host, "media-1",
            "{\"file_name\":\"a.mp4\",\"file_type\":\"mp4\",\"asset_id\":\"x\",\"asset_file_category\":\"MAIN\"}", _host.MediaKey));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("APIG.0302", body.GetProperty("error_code").GetString());
        Assert.True(response.Headers.Contains("X-Request-Id"));
        Assert.Empty(_host.Operations.Calls);
    }

    [Fact]
    public void Every_reference_operation_has_rules_loaded()
    {
        var reference = ApiParameterReference.Embedded;
        Assert.Equal(17 + 8, reference.Operations.Count());
        Assert.True(reference.TryGet(TestOperations.Imm, "CreateProject", out var rules));
        var name = rules.Single(r => r.Name == "ProjectName");
        Assert.True(name.Required);
        Assert.Equal(128, name.MaxLength);
        Assert.True(reference.TryGet(TestOperations.Imm, "CreateFileUncompressionTask", out rules));
        Assert.Equal(2048, rules.Single(r => r.Name == "UserData").MaxBytes);
        Assert.True(rules.Single(r => r.Name == "SelectedFiles").Json);
        Assert.True(reference.TryGet(TestOperations.Ice, "ListMediaBasicInfos", out rules));
        Assert.Equal(100, rules.Single(r => r.Name == "MaxResults").Maximum); // from the reference itself
    }
}
