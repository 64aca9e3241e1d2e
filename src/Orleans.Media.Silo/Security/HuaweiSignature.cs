using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Huawei Cloud API signature <c>SDK-HMAC-SHA256</c>
/// (<c>Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=hex</c>,
/// <c>X-Sdk-Date: yyyyMMddTHHmmssZ</c>): canonical request =
/// <c>METHOD\nURI-ending-in-/\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHexSHA256(body)</c>,
/// <c>StringToSign = "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + HexSHA256(canonicalRequest)</c>.
/// </summary>
public static class HuaweiSignature
{
    public const string Algorithm = "SDK-HMAC-SHA256";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static bool TryParseAuthorization(string header, out string accessKeyId, out string[] signedHeaders, out string signature) =>
        SignedAuthorizationHeader.TryParse(header, Algorithm, "Access", out accessKeyId, out signedHeaders, out signature);

    /// <summary>Each path segment RFC 3986-encoded (from its decoded form), always ending in <c>/</c>.</summary>
    public static string CanonicalUri(string decodedPath)
    {
        var encoded = string.Join('/', decodedPath.Split('/').Select(Rfc3986.Encode));
        return encoded.EndsWith('/') ? encoded : encoded + "/";
    }

    /// <summary>Sorted by name; repeated names sorted by value; <c>pct(name)=pct(value)</c>.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('&', query
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value)));

    /// <summary><c>name:value\n</c> per signed header, lowercase names sorted; values as sent (the SDK does not trim).</summary>
    public static string CanonicalHeaders(IEnumerable<string> signedHeaders, Func<string, string> value)
    {
        var builder = new StringBuilder();
        foreach (var name in signedHeaders.Select(h => h.ToLowerInvariant()).Order(StringComparer.Ordinal))
        {
            builder.Append(name).Append(':').Append(value(name)).Append('\n');
        }

        return builder.ToString();
    }

    public static string CanonicalRequest(
        string method, string canonicalUri, string canonicalQuery, string canonicalHeaders, IEnumerable<string> signedHeaders, string payloadHash) =>
        string.Join('\n',
            method.ToUpperInvariant(),
            canonicalUri,
            canonicalQuery,
            canonicalHeaders,
            string.Join(';', signedHeaders.Select(h => h.ToLowerInvariant()).Order(StringComparer.Ordinal)),
            payloadHash);

    public static string Compute(string secret, string sdkDate, string canonicalRequest)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        var stringToSign = Algorithm + "\n" + sdkDate + "\n" + hash;
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign)));
    }
}
