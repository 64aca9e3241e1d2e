using System.Text;
using System.Text.Json;

namespace Orleans.Media.Persistence.Queries;

/// <summary>
/// Keyset position, opaque to callers: the order it was issued for (property and direction) and the last row's sort
/// value and key. A position means something else under another order (a key where a time is expected, the same time
/// read the other way), so a token is honoured only by a query with the order it came from: anything else is an
/// <see cref="InvalidPageTokenException"/>, never a wrong page.
/// </summary>
internal static class PageToken
{
    public static string Encode(GrainStateQuery query, string? sortValue, string key) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { query.OrderBy ?? "", Direction(query), sortValue, key }))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The position in <paramref name="query"/>'s page token (which must be set).</summary>
    public static (string? SortValue, string Key) Decode(GrainStateQuery query)
    {
        string?[]? parts;
        try
        {
            var b64 = query.PageToken!.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            parts = JsonSerializer.Deserialize<string?[]>(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new InvalidPageTokenException(e);
        }

        return parts is { Length: 4 } && parts[0] == (query.OrderBy ?? "") && parts[1] == Direction(query) && parts[3] is { } key
            ? (parts[2], key)
            : throw new InvalidPageTokenException();
    }

    private static string Direction(GrainStateQuery query) => query.Descending ? "DES" : "ASC";
}
