using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Bearer tokens for the REST routes and Huawei's <c>X-Auth-Token</c>: <c>omt1.&lt;AccessKeyId&gt;.&lt;expiry unix
/// seconds&gt;.&lt;base64url HMAC-SHA256(secret, "omt1\n" + id + "\n" + expiry)&gt;</c>. Self-contained (any silo
/// verifies it with the key's secret), expiring, revoked with its key — and it never contains the secret, unlike
/// sending <c>AccessKeyId:AccessKeySecret</c>, which would leak into every proxy and access log.
/// Issued by <c>POST /api/v1/tokens</c> (signed with V3 or an existing token) or the CLI: <c>keys token &lt;id&gt;</c>.
/// </summary>
public static class AccessToken
{
    public const string Prefix = "omt1";

    public static string Issue(string accessKeyId, string secret, DateTimeOffset expires)
    {
        var expiry = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{Prefix}.{accessKeyId}.{expiry}.{Mac(accessKeyId, secret, expiry)}";
    }

    /// <summary>Splits a token without verifying it; false when it is not in token form.</summary>
    public static bool TryParse(string token, out string accessKeyId, out DateTimeOffset expires)
    {
        accessKeyId = "";
        expires = default;
        var parts = token.Split('.');
        if (parts.Length != 4 || parts[0] != Prefix || parts[1].Length == 0 ||
            !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        accessKeyId = parts[1];
        expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    public static bool Verify(string token, string secret)
    {
        var parts = token.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(parts[1], secret, parts[2]));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[3]));
    }

    private static string Mac(string accessKeyId, string secret, string expiry)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{Prefix}\n{accessKeyId}\n{expiry}"));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
