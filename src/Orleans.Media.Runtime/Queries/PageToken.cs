using System.Text;
using System.Text.Json;

namespace Orleans.Media.Runtime.Core;

/// <summary>Keyset position: the last row's sort value and key, opaque to callers.</summary>
internal static class PageToken
{
    public static string Encode(string? sortValue, string key) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { sortValue, key })).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (string? SortValue, string Key) Decode(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = JsonSerializer.Deserialize<string?[]>(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
            if (parts is not { Length: 2 } || parts[1] is null)
            {
                throw new FormatException();
            }

            return (parts[0], parts[1]!);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new InvalidPageTokenException(e);
        }
    }
}
