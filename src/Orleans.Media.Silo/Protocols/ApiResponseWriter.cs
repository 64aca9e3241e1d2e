using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orleans.Media.Grains;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// Renders results and refusals in each protocol's shape: Alibaba/REST bodies carry <c>RequestId</c> first, errors
/// are <c>{RequestId, HostId, Code, Message, Recommend}</c>; Huawei errors are <c>{error_code, error_msg}</c> with the
/// id in <c>X-Request-Id</c> only.
/// </summary>
public static class ApiResponseWriter
{
    /// <summary>PascalCase as declared (the vendors' field names), nulls omitted, non-ASCII text kept readable.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },

        // Explicit, so the OpenAPI schema export works even before the first response was serialized.
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static readonly ConcurrentDictionary<Type, bool> RequestIdMembers = new();

    private static bool DeclaresRequestId(Type type) => RequestIdMembers.GetOrAdd(type, static t =>
        JsonOptions.GetTypeInfo(t).Properties.Any(p => p.Name == "RequestId"));

    private const string JsonContentType = "application/json;charset=utf-8";

    public static async Task WriteResultAsync(HttpContext http, ApiProtocol protocol, string requestId, object? result, int status)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = JsonContentType;
        using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = JsonOptions.Encoder });
        if (protocol == ApiProtocol.Huawei)
        {
            JsonSerializer.Serialize(writer, result, result?.GetType() ?? typeof(object), JsonOptions);
        }
        else if (result is not null && !DeclaresRequestId(result.GetType()))
        {
            // The result serialized once into a buffer; its members follow RequestId in the same object (its own
            // opening brace is where RequestId's member goes).
            var body = new ArrayBufferWriter<byte>(1024);
            using (var members = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = JsonOptions.Encoder }))
            {
                JsonSerializer.Serialize(members, result, result.GetType(), JsonOptions);
            }

            var json = body.WrittenSpan;
            if (json is not [(byte)'{', .., (byte)'}'])
            {
                throw new InvalidOperationException($"Handler returned {result.GetType()}, which is not a JSON object.");
            }

            writer.WriteStartObject();
            writer.WriteString("RequestId", requestId);
            writer.Flush();
            response.BodyWriter.Write(json.Length > 2 ? ","u8 : "}"u8);
            if (json.Length > 2)
            {
                response.BodyWriter.Write(json[1..]);
            }
        }
        else
        {
            // No result, or one with a RequestId of its own (skipped: the request's id is the one answered).
            writer.WriteStartObject();
            writer.WriteString("RequestId", requestId);
            if (result is not null)
            {
                var element = JsonSerializer.SerializeToElement(result, result.GetType(), JsonOptions);
                if (element.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidOperationException($"Handler returned {result.GetType()}, which is not a JSON object.");
                }

                foreach (var property in element.EnumerateObject())
                {
                    if (!property.NameEquals("RequestId"))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteEndObject();
        }

        await writer.FlushAsync(http.RequestAborted);
    }

    public static async Task WriteErrorAsync(HttpContext http, ApiProtocol protocol, string requestId, ServiceException error, string? hostId)
    {
        var response = http.Response;
        response.StatusCode = error.HttpStatus;
        response.ContentType = JsonContentType;
        using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = JsonOptions.Encoder });
        writer.WriteStartObject();
        if (protocol == ApiProtocol.Huawei)
        {
            var code = error.Code.StartsWith("MSS.", StringComparison.Ordinal) || error.Code.StartsWith("APIG.", StringComparison.Ordinal)
                ? error.Code
                : HuaweiCodes.FromStatus(error.HttpStatus);
            writer.WriteString("error_code", code);
            writer.WriteString("error_msg", error.Message);
        }
        else
        {
            writer.WriteString("RequestId", requestId);
            writer.WriteString("HostId", hostId ?? http.Request.Host.Host);
            writer.WriteString("Code", error.Code);
            writer.WriteString("Message", error.Message);
            // The vendor points at its troubleshooting site; a self-hosted silo has none, so this stays empty.
            writer.WriteString("Recommend", "");
        }

        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted);
    }
}
