using System.Net;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.Protocols;

public sealed class OpenApiTests : IAsyncLifetime
{
    private FrontTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FrontTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Document_lists_every_routed_operation_with_parameter_and_response_schemas()
    {
        var response = await _host.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = doc.GetProperty("paths");

        var routed = new[]
        {
            ("/api/v1/projects/{ProjectName}", "post", "imm_CreateProject"),
            ("/api/v1/projects/{ProjectName}", "get", "imm_GetProject"),
            ("/api/v1/projects/{ProjectName}", "delete", "imm_DeleteProject"),
            ("/api/v1/projects", "get", "imm_ListProjects"),
            ("/api/v1/projects/{ProjectName}/tasks/file-uncompression", "post", "imm_CreateFileUncompressionTask"),
            ("/api/v1/projects/{ProjectName}/tasks", "get", "imm_ListTasks"),
            ("/v1/{project_id}/large-files", "post", "huawei_metastudio_CreateLargeFile"),
            ("/api/v1/admin/access-keys", "post", "admin_CreateAccessKey"),
            ("/api/v1/admin/access-keys", "get", "admin_ListAccessKeys"),
            ("/api/v1/admin/access-keys/{AccessKeyId}", "delete", "admin_RevokeAccessKey"),
            ("/api/v1/tokens", "post", "admin_CreateAccessToken"),
        };
        foreach (var (path, method, id) in routed)
        {
            Assert.True(paths.TryGetProperty(path, out var item), "missing path " + path);
            Assert.True(item.TryGetProperty(method, out var op), $"missing {method} {path}");
            Assert.Equal(id, op.GetProperty("operationId").GetString());
            Assert.True(op.GetProperty("responses").TryGetProperty("default", out _));
        }

        // Parameter rules from the reference show up as schema limits.
        var create = paths.GetProperty("/api/v1/projects/{ProjectName}").GetProperty("post");
        var name = create.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "ProjectName");
        Assert.Equal("path", name.GetProperty("in").GetString());
        Assert.Equal(128, name.GetProperty("schema").GetProperty("maxLength").GetInt32());
        Assert.Equal("^[A-Za-z_][A-Za-z0-9_-]*$", name.GetProperty("schema").GetProperty("pattern").GetString());
        var body = create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("properties");
        Assert.Equal(256, body.GetProperty("Description").GetProperty("maxLength").GetInt32());
        var uncompress = paths.GetProperty("/api/v1/projects/{ProjectName}/tasks/file-uncompression").GetProperty("post");
        var required = uncompress.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("required");
        Assert.Contains("SourceURI", required.EnumerateArray().Select(e => e.GetString()));
        var listTasks = paths.GetProperty("/api/v1/projects/{ProjectName}/tasks").GetProperty("get").GetProperty("parameters").EnumerateArray();
        var order = listTasks.Single(p => p.GetProperty("name").GetString() == "Order").GetProperty("schema");
        Assert.Equal(new[] { "ASC", "DES" }, order.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray());

        // Response schema: from the vendor reference (GetProject → Project object) and from CLR types (admin API).
        var getProject = paths.GetProperty("/api/v1/projects/{ProjectName}").GetProperty("get").GetProperty("responses").GetProperty("200");
        var projectSchema = getProject.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("properties").GetProperty("Project");
        Assert.True(projectSchema.GetProperty("properties").TryGetProperty("ProjectName", out _));
        var token = paths.GetProperty("/api/v1/tokens").GetProperty("post").GetProperty("responses").GetProperty("200");
        Assert.True(token.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("properties").TryGetProperty("AccessToken", out _));
        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
    }

    [Fact]
    public async Task Swagger_ui_serves()
    {
        var response = await _host.Http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("swagger-ui", html);
        var init = await _host.Http.GetStringAsync("/swagger/index.js");
        Assert.Contains("/openapi/v1.json", init);
    }
}
