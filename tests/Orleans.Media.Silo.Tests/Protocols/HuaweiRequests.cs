using System.Globalization;
using System.Text;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>SDK-HMAC-SHA256-signed calls of the test host's <c>POST /v1/{project_id}/large-files</c>.</summary>
public static class HuaweiRequests
{
    public static HttpRequestMessage Signed(FrontTestHost host, string projectId, string json, CreatedAccessKey? key = null, DateTimeOffset? date = null)
    {
        key ??= host.Admin;
        var path = $"/v1/{projectId}/large-files";
        var sdkDate = (date ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString(HuaweiSignature.DateFormat, CultureInfo.InvariantCulture);
        var body = Encoding.UTF8.GetBytes(json);
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = "application/json",
            ["host"] = host.BaseAddress.Authority,
            ["x-sdk-date"] = sdkDate,
        };
        var canonical = HuaweiSignature.CanonicalRequest("POST", HuaweiSignature.CanonicalUri(path), "",
            HuaweiSignature.CanonicalHeaders(headers.Keys, n => headers[n]), headers.Keys, AlibabaV3Signature.HexSha256(body));
        var signature = HuaweiSignature.Compute(key.AccessKeySecret, sdkDate, canonical);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Sdk-Date", sdkDate);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"{HuaweiSignature.Algorithm} Access={key.AccessKeyId}, SignedHeaders=content-type;host;x-sdk-date, Signature={signature}");
        return request;
    }
}
