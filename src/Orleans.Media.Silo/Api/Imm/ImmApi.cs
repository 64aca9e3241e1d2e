using System.Globalization;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>Shared facts of the IMM (2020-09-30) operations.</summary>
public static class ImmApi
{
    public const string Product = "imm";

    public const string Version = "2020-09-30";

    /// <summary>RFC 3339 in UTC with milliseconds, as the vendor returns times.</summary>
    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Time(DateTimeOffset? value) => value is { } v ? Time(v) : null;
}
