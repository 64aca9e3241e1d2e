using System.Buffers.Text;
using System.Text.Json;
using Orleans.Media.Grains;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>
/// ListTasks' <c>NextToken</c>: the store's keyset position wrapped with the Sort and Order it was issued for. The
/// position alone means something different under another sort (a TaskId where a time is expected, or the same time
/// read in the other direction), so a token is only honoured by the listing it came from; anything else — another
/// listing's token, a truncated or invented one — is the caller's <c>InvalidArgument</c>, never a wrong page.
/// </summary>
internal static class TaskQueryToken
{
    private const string Invalid = "NextToken is not a token this listing (same Sort and Order) returned.";

    public static string Encode(string sort, bool descending, string position) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Envelope(sort, Order(descending), position)));

    /// <summary>The store position inside <paramref name="token"/>; InvalidArgument unless it was issued for this Sort and Order.</summary>
    public static string Decode(string token, string sort, bool descending)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(Base64Url.DecodeFromChars(token));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw ServiceException.InvalidArgument(Invalid);
        }

        return envelope is { Position.Length: > 0 } && envelope.Sort == sort && envelope.Order == Order(descending)
            ? envelope.Position
            : throw ServiceException.InvalidArgument(Invalid);
    }

    /// <summary>The refusal for a position the store could not use (only reachable by forging the inner position).</summary>
    public static ServiceException Refused() => ServiceException.InvalidArgument(Invalid);

    private static string Order(bool descending) => descending ? "DES" : "ASC";

    private sealed record Envelope(string? Sort, string? Order, string? Position);
}
