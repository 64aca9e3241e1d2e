using System.Text;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// The percent-encoding all three signature schemes canonicalize with: UTF-8, everything but the RFC 3986 unreserved
/// set (<c>A–Z a–z 0–9 - _ . ~</c>) escaped as uppercase <c>%XX</c> — so space is <c>%20</c> (never <c>+</c>),
/// <c>*</c> is <c>%2A</c> and <c>~</c> stays.
/// </summary>
public static class Rfc3986
{
    private const string Hex = "0123456789ABCDEF";

    public static string Encode(string value)
    {
        if (IsAllUnreserved(value))
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (IsUnreserved((char)b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    private static bool IsAllUnreserved(string value)
    {
        foreach (var c in value)
        {
            if (!IsUnreserved(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUnreserved(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~';
}
