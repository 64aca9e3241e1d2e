using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Alibaba RPC signature V2 (<c>SignatureMethod=HMAC-SHA1</c>, <c>SignatureVersion=1.0</c>): canonical query = every
/// parameter but <c>Signature</c>, sorted by name, RFC 3986-encoded, joined <c>k=v&amp;…</c>;
/// <c>StringToSign = METHOD &amp; %2F &amp; pct(canonical)</c>; signature = Base64(HMAC-SHA1(secret + "&amp;")).
/// The same computation covers a GET query and a POST form body.
/// </summary>
public static class AlibabaV2Signature
{
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        // Sorted by the raw name in UTF-16 order, as the SDKs (JavaScript sort) do.
        var sorted = parameters.Where(p => p.Key != "Signature").OrderBy(p => p.Key, StringComparer.Ordinal);
        return string.Join('&', sorted.Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value)));
    }

    public static string StringToSign(string method, IEnumerable<KeyValuePair<string, string>> parameters) =>
        method.ToUpperInvariant() + "&" + Rfc3986.Encode("/") + "&" + Rfc3986.Encode(CanonicalQuery(parameters));

    public static string Compute(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var key = Encoding.UTF8.GetBytes(secret + "&");
        var mac = HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(StringToSign(method, parameters)));
        return Convert.ToBase64String(mac);
    }

    /// <summary>Constant-time comparison of the received signature with the expected one.</summary>
    public static bool Verify(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters, string signature) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(secret, method, parameters)),
            Encoding.ASCII.GetBytes(signature));
}
