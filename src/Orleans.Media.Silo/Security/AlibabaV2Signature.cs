using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Alibaba RPC signature V2 (<c>SignatureMethod=HMAC-SHA1</c>, <c>SignatureVersion=1.0</c>): canonical query = every
/// parameter but <c>Signature</c>, sorted by name, RFC 3986-encoded, joined <c>k=v&amp;…</c>;
/// <c>StringToSign = METHOD &amp; %2F &amp; pct(canonical)</c>; signature = Base64(HMAC-SHA1(secret + "&amp;")).
/// The same computation covers a GET query and a POST form body. On every signed request: the string to sign is
/// written in one pass (the canonical query encoded twice directly) and the MAC compared as bytes.
/// </summary>
public static class AlibabaV2Signature
{
    private const string Hex = "0123456789ABCDEF";

    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in Sorted(parameters))
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(Rfc3986.Encode(key)).Append('=').Append(Rfc3986.Encode(value));
        }

        return builder.ToString();
    }

    public static string StringToSign(string method, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var builder = new StringBuilder(256);
        builder.Append(method.ToUpperInvariant()).Append("&%2F&");
        var first = true;
        foreach (var (key, value) in Sorted(parameters))
        {
            if (!first)
            {
                builder.Append("%26"); // '&', encoded by the second pass
            }

            first = false;
            AppendTwiceEncoded(builder, key);
            builder.Append("%3D"); // '='
            AppendTwiceEncoded(builder, value);
        }

        return builder.ToString();
    }

    public static string Compute(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        Span<byte> mac = stackalloc byte[HMACSHA1.HashSizeInBytes];
        ComputeMac(secret, method, parameters, mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>Constant-time comparison of the received signature with the expected MAC.</summary>
    public static bool Verify(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters, string signature)
    {
        Span<byte> expected = stackalloc byte[HMACSHA1.HashSizeInBytes];
        Span<byte> received = stackalloc byte[32];
        if (!Convert.TryFromBase64String(signature, received, out var length) || length != expected.Length)
        {
            return false;
        }

        ComputeMac(secret, method, parameters, expected);
        return CryptographicOperations.FixedTimeEquals(expected, received[..length]);
    }

    private static void ComputeMac(string secret, string method, IEnumerable<KeyValuePair<string, string>> parameters, Span<byte> mac)
    {
        var text = StringToSign(method, parameters);
        var keyLength = Encoding.UTF8.GetByteCount(secret) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(keyLength + text.Length); // the string to sign is ASCII
        try
        {
            var key = buffer.AsSpan(0, keyLength);
            Encoding.UTF8.GetBytes(secret, key);
            key[^1] = (byte)'&';
            var data = buffer.AsSpan(keyLength, Encoding.ASCII.GetBytes(text, buffer.AsSpan(keyLength)));
            HMACSHA1.HashData(key, data, mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // it held the secret
        }
    }

    // Sorted by the raw name in UTF-16 order, as the SDKs (JavaScript sort) do; Signature itself excluded.
    private static KeyValuePair<string, string>[] Sorted(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var list = new List<KeyValuePair<string, string>>(16);
        foreach (var p in parameters)
        {
            if (p.Key != "Signature")
            {
                list.Add(p);
            }
        }

        var array = list.ToArray();
        Array.Sort(array, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return array;
    }

    /// <summary>pct(pct(value)): unreserved characters stay, every other UTF-8 byte becomes <c>%25XX</c>.</summary>
    private static void AppendTwiceEncoded(StringBuilder builder, string value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append("%25").Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }
        }
    }
}
