using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Tests.Protocols;

public sealed class ApiResponseWriterTests
{
    public enum Shade { Light, Dark }

    public sealed record Inner(string Name, int? Missing, double Ratio);

    public sealed record View(
        string TaskId, string? UserData, Shade Shade, long Size, Inner Detail, IReadOnlyList<Inner> Items,
        IReadOnlyDictionary<string, string> Tags, string Text, DateTimeOffset At);

    public sealed record Empty;

    public sealed record WithOwnRequestId(string RequestId, string Other);

    public static TheoryData<object?> Results => new()
    {
        new View("t-1", null, Shade.Dark, 1L << 40, new Inner("a", null, 0.25), [new Inner("b", 3, 1e-7), new Inner("\"q\" \\ </>", null, -2)],
            new Dictionary<string, string> { ["k"] = "图片 ü \u0001" }, "line\nbreak\ttab", DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123)),
        new Empty(),
        new WithOwnRequestId("theirs", "kept"),
        null,
    };

    [Theory]
    [MemberData(nameof(Results))]
    public async Task A_result_follows_RequestId_byte_for_byte_as_its_members_serialize(object? result)
    {
        var written = await WriteAsync(result);

        Assert.Equal(Reference("req-\"1\"", result), written);
        using var parsed = JsonDocument.Parse(written);
        Assert.Equal("req-\"1\"", parsed.RootElement.GetProperty("RequestId").GetString());
        Assert.Single(parsed.RootElement.EnumerateObject(), p => p.Name == "RequestId");
    }

    [Fact]
    public async Task A_result_that_is_not_a_JSON_object_is_refused() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync(new[] { 1, 2 }));

    private static async Task<string> WriteAsync(object? result)
    {
        var http = new DefaultHttpContext();
        using var body = new MemoryStream();
        http.Response.Body = body;
        await ApiResponseWriter.WriteResultAsync(http, ApiProtocol.AlibabaRpc, "req-\"1\"", result, 200);
        await http.Response.BodyWriter.FlushAsync();
        return Encoding.UTF8.GetString(body.ToArray());
    }

    /// <summary>RequestId, then each member of the result as the serializer writes it, the result's own RequestId left out.</summary>
    private static string Reference(string requestId, object? result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ApiResponseWriter.JsonOptions.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("RequestId", requestId);
            if (result is not null)
            {
                foreach (var property in JsonSerializer.SerializeToElement(result, result.GetType(), ApiResponseWriter.JsonOptions).EnumerateObject())
                {
                    if (property.Name != "RequestId")
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
