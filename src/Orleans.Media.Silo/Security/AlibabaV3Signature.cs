using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Alibaba signature V3 (<c>Authorization: ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex</c>):
/// canonical request = <c>METHOD\nURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nHexSHA256(body)</c>,
/// <c>StringToSign = "ACS3-HMAC-SHA256\n" + HexSHA256(canonicalRequest)</c>, signature = hex(HMAC-SHA256(secret)).
/// </summary>
public static class AlibabaV3Signature
{
    public const string Algorithm = "ACS3-HMAC-SHA256";

    /// <summary>The parts of the Authorization header; false when it is not a well-formed V3 header.</summary>
    public static bool TryParseAuthorization(string header, out string accessKeyId, out string[] signedHeaders, out string signature) =>
        SignedAuthorizationHeader.TryParse(header, Algorithm, "Credential", out accessKeyId, out signedHeaders, out signature);

    /// <summary>Query parameters sorted by name, <c>name=pct(value)</c>, joined with <c>&amp;</c>.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('&', query.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value)));

    /// <summary><c>name:value\n</c> for each signed header (lowercase names, sorted, values trimmed).</summary>
    public static string CanonicalHeaders(IEnumerable<string> signedHeaders, Func<string, IEnumerable<string>> values)
    {
        var builder = new StringBuilder();
        foreach (var name in signedHeaders.Select(h => h.ToLowerInvariant()).Order(StringComparer.Ordinal))
        {
            var joined = string.Join(',', values(name).Select(v => v.Trim()).Order(StringComparer.Ordinal));
            builder.Append(name).Append(':').Append(joined).Append('\n');
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

    public static string Compute(string secret, string canonicalRequest)
    {
        var stringToSign = Algorithm + "\n" + HexSha256(Encoding.UTF8.GetBytes(canonicalRequest));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign)));
    }

    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
