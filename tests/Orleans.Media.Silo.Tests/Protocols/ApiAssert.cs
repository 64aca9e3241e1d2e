using System.Net;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.Protocols;

public static class ApiAssert
{
    /// <summary>Asserts an Alibaba-shaped error body with this status and code; returns the body.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, body.GetProperty("Code").GetString());
        var requestId = body.GetProperty("RequestId").GetString();
        Assert.False(string.IsNullOrEmpty(requestId));
        Assert.Equal(requestId, response.Headers.GetValues("X-Request-Id").Single());
        Assert.True(body.TryGetProperty("HostId", out _));
        Assert.True(body.TryGetProperty("Message", out _));
        Assert.True(body.TryGetProperty("Recommend", out _));
        return body;
    }

    public static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
