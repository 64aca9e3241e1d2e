using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Protocols;

public sealed class ApiRequestTests
{
    private static ApiRequest Request(string product, Dictionary<string, string> raw) =>
        new("req-1", new ApiOperation(product, product == "ice" ? "2020-11-09" : "2020-09-30", "Op", (_, _) => Task.FromResult<object>(new { })),
            ApiProtocol.AlibabaRpc, new ApiPrincipal("k", [AccessKeyPermission.Admin]), raw, new ServiceCollection().BuildServiceProvider());

    private sealed record Shape(string Name, int Size);

    [Fact]
    public void Typed_getters_parse_and_refuse_with_the_product_codes()
    {
        var imm = Request("imm", new() { ["N"] = "42", ["B"] = "true", ["J"] = "{\"name\":\"a\",\"size\":3}", ["Bad"] = "x", ["BadJson"] = "{" });
        Assert.Equal(42, imm.GetInt("N"));
        Assert.Equal(42L, imm.GetLong("N"));
        Assert.True(imm.GetBool("B"));
        Assert.Equal(new Shape("a", 3), imm.GetJson<Shape>("J"));
        Assert.Null(imm.GetInt("Absent"));
        Assert.Null(imm.GetJson<Shape>("Absent"));
        Assert.Equal("MissingAbsent", Assert.Throws<ServiceException>(() => imm.RequireString("Absent")).Code);
        Assert.Equal("InvalidArgument", Assert.Throws<ServiceException>(() => imm.GetInt("Bad")).Code);
        Assert.Equal("InvalidArgument", Assert.Throws<ServiceException>(() => imm.GetBool("Bad")).Code);
        var json = Assert.Throws<ServiceException>(() => imm.GetJson<Shape>("BadJson"));
        Assert.Equal("InvalidArgument", json.Code);
        Assert.Contains("BadJson", json.Message);

        var ice = Request("ice", new() { ["Bad"] = "x" });
        Assert.Equal("MissingParameter", Assert.Throws<ServiceException>(() => ice.RequireString("Absent")).Code);
        Assert.Equal("InvalidParameter", Assert.Throws<ServiceException>(() => ice.GetLong("Bad")).Code);
    }
}
