using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Clients;

/// <summary>
/// The vendor clients against the real silo host (its project operations on grains, PostgreSQL): pop-core (V2) and
/// openapi-client (V3) run CreateProject / GetProject / ListProjects / DeleteProject, and a key limited to
/// <c>project/media-*</c> is refused elsewhere with nothing created.
/// </summary>
public sealed class RealSiloClientTests : IAsyncLifetime
{
    private PostgresDatabase _db = null!;
    private WebApplication _app = null!;
    private string _dataDir = null!;
    private Uri _address = null!;
    private CreatedAccessKey _admin = null!;
    private CreatedAccessKey _media = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        _dataDir = Directory.CreateTempSubdirectory("real-silo-").FullName;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["OrleansMedia:DataDir"] = _dataDir,
            ["OrleansMedia:Roles"] = "api",
            ["ConnectionStrings:Postgres"] = _db.ConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddOrleansMediaSilo();
        _app = builder.Build();
        _app.MapOrleansMediaSilo();
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var store = _app.Services.GetRequiredService<IAccessKeyStore>();
        _admin = await store.CreateAsync([AccessKeyPermission.Admin], "test admin", default);
        _media = await store.CreateAsync([new AccessKeyPermission("imm:*", "project/media-*")], "media", default);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _db.DisposeAsync();
        Directory.Delete(_dataDir, true);
    }

    private object Plan(CreatedAccessKey key, bool v3, params object[] calls) => new
    {
        endpoint = v3 ? _address.Authority : _address.ToString().TrimEnd('/'),
        apiVersion = "2020-09-30",
        accessKeyId = key.AccessKeyId,
        accessKeySecret = key.AccessKeySecret,
        calls,
    };

    [Theory]
    [InlineData("popcore.js")]
    [InlineData("openapi.js")]
    public async Task Project_lifecycle_on_the_real_operations(string client)
    {
        var name = "media-" + Path.GetFileNameWithoutExtension(client);
        var results = await NodeClient.RunAsync(client, Plan(_admin, client == "openapi.js",
            new { action = "CreateProject", @params = new { ProjectName = name, Description = "from " + client } },
            new { action = "GetProject", @params = new { ProjectName = name, WithStatistics = true } },
            new { action = "ListProjects", @params = new { Prefix = name, MaxResults = 10 } },
            new { action = "DeleteProject", @params = new { ProjectName = name } },
            new { action = "GetProject", @params = new { ProjectName = name } },
            new { action = "ListProjects", @params = new { NextToken = "not-a-token-it-returned" } }));

        Assert.All(results.Take(4), r => Assert.True(r.GetProperty("ok").GetBoolean(), r.ToString()));
        var project = results[1].GetProperty("body").GetProperty("Project");
        Assert.Equal(name, project.GetProperty("ProjectName").GetString());
        Assert.Equal("from " + client, project.GetProperty("Description").GetString());
        Assert.Equal(name, results[2].GetProperty("body").GetProperty("Projects")[0].GetProperty("ProjectName").GetString());
        Assert.False(results[4].GetProperty("ok").GetBoolean());
        Assert.Equal("ResourceNotFound", results[4].GetProperty("code").GetString());
        Assert.Equal(404, results[4].GetProperty("status").GetInt32());
        Assert.Equal("InvalidArgument", results[5].GetProperty("code").GetString());
        Assert.Equal(400, results[5].GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Keys_verb_manages_grain_keys_that_vendor_clients_then_use()
    {
        var output = new StringWriter();
        Assert.Equal(0, await Orleans.Media.Silo.Security.AccessKeyCommand.RunAsync(
            ["keys", "create", "--permission", "imm:*@project/cli-*"], _app.Services, output, TextWriter.Null, default));
        var created = JsonDocument.Parse(output.ToString()).RootElement;
        var key = new CreatedAccessKey(created.GetProperty("AccessKeyId").GetString()!, created.GetProperty("AccessKeySecret").GetString()!, null!);
        var ok = await NodeClient.RunAsync("popcore.js", Plan(key, false, new { action = "CreateProject", @params = new { ProjectName = "cli-1" } }));
        Assert.True(ok[0].GetProperty("ok").GetBoolean(), ok[0].ToString());

        Assert.Equal(0, await Orleans.Media.Silo.Security.AccessKeyCommand.RunAsync(["keys", "revoke", key.AccessKeyId], _app.Services, TextWriter.Null, TextWriter.Null, default));
        var refused = await NodeClient.RunAsync("popcore.js", Plan(key, false, new { action = "GetProject", @params = new { ProjectName = "cli-1" } }));
        Assert.Equal("InvalidAccessKeyId.Inactive", refused[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task OpenApi_document_of_the_real_host_lists_its_operations()
    {
        using var http = new HttpClient { BaseAddress = _address };
        var response = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var ids = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("operationId", out _)))
            .Select(o => o.Value.GetProperty("operationId").GetString())
            .ToHashSet();
        foreach (var action in new[] { "CreateProject", "GetProject", "ListProjects", "UpdateProject", "DeleteProject", "CreateFileUncompressionTask", "GetTask", "ListTasks" })
        {
            Assert.Contains("imm_" + action, ids);
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/swagger")).StatusCode);
    }

    [Fact]
    public async Task A_key_without_permission_creates_nothing()
    {
        var results = await NodeClient.RunAsync("popcore.js", Plan(_media, false,
            new { action = "CreateProject", @params = new { ProjectName = "finance" } },
            new { action = "CreateProject", @params = new { ProjectName = "media-ok" } },
            new { action = "GetProject", @params = new { ProjectName = "finance" } }));
        Assert.Equal("Forbidden.RAM", results[0].GetProperty("code").GetString());
        Assert.Equal(403, results[0].GetProperty("status").GetInt32());
        Assert.True(results[1].GetProperty("ok").GetBoolean(), results[1].ToString());
        Assert.Equal("Forbidden.RAM", results[2].GetProperty("code").GetString());

        var admin = await NodeClient.RunAsync("popcore.js", Plan(_admin, false, new { action = "GetProject", @params = new { ProjectName = "finance" } }));
        Assert.Equal("ResourceNotFound", admin[0].GetProperty("code").GetString());
    }
}
