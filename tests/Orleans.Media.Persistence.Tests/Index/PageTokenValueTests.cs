using Orleans.Media.Persistence.Index;

namespace Orleans.Media.Persistence.Tests.Index;

/// <summary>A page token's sort value on PostgreSQL is checked against what the sort expression prints before it
/// reaches SQL: every value PostgreSQL prints passes, anything else is refused (the query service then throws
/// InvalidPageTokenException, see QueryConformanceTests).</summary>
public sealed class PageTokenValueTests
{
    private static readonly PostgresIndexStore Store = new(MediaDatabase.ForPostgres("Host=localhost"));

    [Theory]
    [InlineData("0", StateValueKind.Number)]
    [InlineData("-12.500", StateValueKind.Number)]
    [InlineData("1795295297940", StateValueKind.Number)]
    [InlineData("2026-11-21 21:08:17.940398+00", StateValueKind.Time)]
    [InlineData("2026-01-01 00:00:00+00", StateValueKind.Time)]
    [InlineData("2026-01-01 00:00:00.1+05:30", StateValueKind.Time)]
    [InlineData("2026-01-01 08:00:00-08", StateValueKind.Time)]
    [InlineData("-infinity", StateValueKind.Time)]
    [InlineData("anything at all", StateValueKind.Text)]
    public void What_PostgreSQL_prints_passes(string value, StateValueKind kind) =>
        Assert.True(Store.IsSortValue(value, kind));

    [Theory]
    [InlineData("", StateValueKind.Number)]
    [InlineData("1e5", StateValueKind.Number)]
    [InlineData("NaN", StateValueKind.Number)]
    [InlineData("12; DROP TABLE grains", StateValueKind.Number)]
    [InlineData("", StateValueKind.Time)]
    [InlineData("yesterday", StateValueKind.Time)]
    [InlineData("2026-13-45 99:99:99+00", StateValueKind.Time)]
    [InlineData("2026-11-21T21:08:17Z", StateValueKind.Time)]
    public void Anything_else_is_an_invalid_page_token(string value, StateValueKind kind) =>
        Assert.False(Store.IsSortValue(value, kind));
}
