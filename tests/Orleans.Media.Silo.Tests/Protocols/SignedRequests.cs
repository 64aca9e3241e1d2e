using System.Globalization;
using System.Text;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// Builds signed requests the way the vendor SDKs do (the signature code itself is pinned against the SDKs'
/// output in SignatureVectorTests), with knobs to tamper: timestamp, nonce, secret, parameters changed after signing.
/// </summary>
public static class SignedRequests
{
    public static Dictionary<string, string> V2Parameters(
        string action,
        IReadOnlyDictionary<string, string> parameters,
        string accessKeyId,
        string secret,
        string method = "GET",
        string version = "2020-09-30",
        DateTimeOffset? timestamp = null,
        string? nonce = null)
    {
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = version,
            ["Format"] = "JSON",
            ["AccessKeyId"] = accessKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = nonce ?? Guid.NewGuid().ToString("N"),
            ["Timestamp"] = (timestamp ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        all["Signature"] = AlibabaV2Signature.Compute(secret, method, all);
        return all;
    }

    public static HttpRequestMessage V2(
        string action,
        IReadOnlyDictionary<string, string> parameters,
        CreatedAccessKey key,
        string method = "GET",
        string version = "2020-09-30",
        DateTimeOffset? timestamp = null,
        string? nonce = null,
        string? secret = null) =>
        Send(method, V2Parameters(action, parameters, key.AccessKeyId, secret ?? key.AccessKeySecret, method, version, timestamp, nonce));

    /// <summary>An RPC request carrying exactly these parameters (already signed, possibly tampered).</summary>
    public static HttpRequestMessage Send(string method, IReadOnlyDictionary<string, string> all)
    {
        var encoded = string.Join('&', all.Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value)));
        return method == "GET"
            ? new HttpRequestMessage(HttpMethod.Get, "/?" + encoded)
            : new HttpRequestMessage(HttpMethod.Post, "/")
            {
                Content = new StringContent(encoded, Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
    }

    /// <summary>A V3-signed request (ACS3-HMAC-SHA256), e.g. on a REST route with a JSON body.</summary>
    public static HttpRequestMessage V3(
        HttpMethod method,
        Uri baseAddress,
        string path,
        IReadOnlyDictionary<string, string>? query,
        string? jsonBody,
        CreatedAccessKey key,
        IReadOnlyDictionary<string, string>? acsHeaders = null,
        DateTimeOffset? date = null,
        string? nonce = null,
        bool signContentType = true)
    {
        var body = Encoding.UTF8.GetBytes(jsonBody ?? "");
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = baseAddress.Authority,
            ["x-acs-date"] = (date ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["x-acs-signature-nonce"] = nonce ?? Guid.NewGuid().ToString("N"),
            ["x-acs-content-sha256"] = AlibabaV3Signature.HexSha256(body),
        };
        if (jsonBody is not null && signContentType)
        {
            headers["content-type"] = "application/json";
        }

        foreach (var (name, value) in acsHeaders ?? new Dictionary<string, string>())
        {
            headers[name] = value;
        }

        var q = query ?? new Dictionary<string, string>();
        var canonical = AlibabaV3Signature.CanonicalRequest(
            method.Method,
            path,
            AlibabaV3Signature.CanonicalQuery(q),
            AlibabaV3Signature.CanonicalHeaders(headers.Keys, n => [headers[n]]),
            headers.Keys,
            headers["x-acs-content-sha256"]);
        var signature = AlibabaV3Signature.Compute(key.AccessKeySecret, canonical);
        var uri = path + (q.Count == 0 ? "" : "?" + string.Join('&', q.Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value))));
        var request = new HttpRequestMessage(method, uri);
        foreach (var (name, value) in headers.Where(h => h.Key is not "host" and not "content-type"))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization",
            $"{AlibabaV3Signature.Algorithm} Credential={key.AccessKeyId},SignedHeaders={string.Join(';', headers.Keys)},Signature={signature}");
        if (jsonBody is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        return request;
    }
}
