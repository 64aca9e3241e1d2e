using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Silo.Notifications;

/// <summary>
/// The webhook signature (README.md, "Verifying a webhook"): <c>v1=</c> + lowercase hex of
/// HMAC-SHA256(secret, timestamp + "." + body), where timestamp is the <c>X-OrleansMedia-Timestamp</c> header
/// (Unix seconds) and body the raw request bytes. The timestamp is signed so a captured request cannot be replayed
/// later; receivers reject timestamps outside their tolerance.
/// </summary>
public static class WebhookSignature
{
    public const string MessageIdHeader = "X-OrleansMedia-Message-Id";
    public const string TimestampHeader = "X-OrleansMedia-Timestamp";
    public const string SignatureHeader = "X-OrleansMedia-Signature";
    public const string Scheme = "v1=";

    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Scheme + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>Receiver side: the signature matches (constant-time) and the timestamp is within
    /// <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp) || signatureHeader is null)
        {
            return false;
        }
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signatureHeader));
    }
}
