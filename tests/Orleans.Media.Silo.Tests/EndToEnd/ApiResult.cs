using System.Net;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>One API answer: the HTTP status and the JSON body (an error body carries <c>Code</c> and <c>Message</c>).</summary>
public sealed record ApiResult(HttpStatusCode Status, JsonElement Body)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("Code", out var c) ? c.GetString() : null;

    public string? Message => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("Message", out var m) ? m.GetString() : null;

    public string String(string name) => Body.GetProperty(name).GetString()!;

    /// <summary>Throws with the whole answer when the call failed.</summary>
    public ApiResult EnsureOk(string action) =>
        Ok ? this : throw new Xunit.Sdk.XunitException($"{action} failed: {(int)Status} {Body}");
}
