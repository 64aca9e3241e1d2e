using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests.Index;

/// <summary>State queries over the grain index: partition, key prefix, JSON filters, ordering by text/number/time,
/// keyset paging, counts (ported from the runtime's conformance tests; the rows are written as grains write them).</summary>
public abstract class QueryConformanceTests
{
    protected abstract DatabaseKind Kind { get; }

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private async Task<(PersistenceFixture Fixture, string Prefix)> SeedAsync()
    {
        var fixture = await PersistenceFixture.CreateAsync(Kind);
        var prefix = NewKey("q") + "-";

        // Rows of another grain type with the same keys: never listed.
        await fixture.Index.UpsertAsync(new GrainIndexEntry("other", prefix + "00", prefix + "P1", 1, new IndexedState { Tag = "even" }.ToJson()));
        await Task.WhenAll(Enumerable.Range(0, 25).Select(i => fixture.Index.UpsertAsync(new GrainIndexEntry("counter", $"{prefix}{i:00}",
            i < 10 ? prefix + "P1" : prefix + "P2", 1,
            new IndexedState { Tag = i % 2 == 0 ? "even" : "odd-" + i, Priority = i * 10 % 70, Stamp = T0.AddMinutes(i * 7 % 25).AddMilliseconds(i) }.ToJson()))));
        return (fixture, prefix);
    }

    private static string NewKey(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Filters_partitions_and_prefixes_select_the_right_grains()
    {
        var (fixture, prefix) = await SeedAsync();
        await using var _ = fixture;
        var q = fixture.Query;
        var all = new GrainStateQuery("counter") { KeyPrefix = prefix };
        Assert.Equal(25, await q.CountAsync(all));
        Assert.Equal(10, await q.CountAsync(all with { Partition = prefix + "P1" }));
        Assert.Equal(13, await q.CountAsync(all with { Filters = [StateFilter.Eq("Tag", "even")] }));
        Assert.Equal(2, await q.CountAsync(all with { Filters = [StateFilter.In("Tag", "odd-1", "odd-3", "odd-4")] }));
        Assert.Equal(12, await q.CountAsync(all with { Filters = [StateFilter.Prefix("Tag", "odd-")] }));
        var numbers = Enumerable.Range(0, 25).Select(i => i * 10 % 70).ToArray();
        Assert.Equal(numbers.Count(n => n >= 40), await q.CountAsync(all with { Filters = [StateFilter.Gte("Priority", 40)] }));
        Assert.Equal(numbers.Count(n => n is >= 20 and <= 40), await q.CountAsync(all with { Filters = [StateFilter.Gte("Priority", 20), StateFilter.Lte("Priority", 40)] }));
        Assert.Equal(numbers.Count(n => n == 30), await q.CountAsync(all with { Filters = [StateFilter.Eq("Priority", 30)] }));
        var stamps = Enumerable.Range(0, 25).Select(i => T0.AddMinutes(i * 7 % 25).AddMilliseconds(i)).ToArray();
        var cut = T0.AddMinutes(12);
        Assert.Equal(stamps.Count(s => s <= cut), await q.CountAsync(all with { Filters = [StateFilter.Lte("Stamp", cut)] }));

        var page = await q.QueryAsync<IndexedState>(all with { Partition = prefix + "P1", Filters = [StateFilter.Eq("Tag", "even")] });
        Assert.Equal([$"{prefix}00", $"{prefix}02", $"{prefix}04", $"{prefix}06", $"{prefix}08"], page.Items.Select(i => i.Key));
        Assert.All(page.Items, i => Assert.Equal("even", i.State.Tag));
        Assert.All(page.Items, i => Assert.Equal(prefix + "P1", i.Partition));
        Assert.Null(page.NextPageToken);
    }

    [Theory]
    [InlineData("Priority", StateValueKind.Number, false)]
    [InlineData("Priority", StateValueKind.Number, true)]
    [InlineData("Stamp", StateValueKind.Time, true)]
    [InlineData("Tag", StateValueKind.Text, false)]
    [InlineData(null, StateValueKind.Text, true)]
    public async Task Keyset_pages_cover_every_grain_once_in_order(string? orderBy, StateValueKind kind, bool descending)
    {
        var (fixture, prefix) = await SeedAsync();
        await using var _ = fixture;
        var q = fixture.Query;
        var query = new GrainStateQuery("counter") { KeyPrefix = prefix, OrderBy = orderBy, OrderByKind = kind, Descending = descending, Limit = 4 };
        var keys = new List<string>();
        var states = new List<IndexedState>();
        string? token = null;
        do
        {
            var page = await q.QueryAsync<IndexedState>(query with { PageToken = token });
            Assert.True(page.Items.Count <= 4);
            keys.AddRange(page.Items.Select(i => i.Key));
            states.AddRange(page.Items.Select(i => i.State));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(25, keys.Distinct().Count());
        var expected = keys.Zip(states, (k, s) => (k, s)).OrderBy(x => x, Comparer<(string k, IndexedState s)>.Create((x, y) =>
        {
            var c = orderBy switch
            {
                "Priority" => x.s.Priority.CompareTo(y.s.Priority),
                "Stamp" => x.s.Stamp!.Value.CompareTo(y.s.Stamp!.Value),
                "Tag" => string.CompareOrdinal(x.s.Tag, y.s.Tag),
                _ => 0,
            };
            c = c != 0 ? c : string.CompareOrdinal(x.k, y.k);
            return descending ? -c : c;
        })).Select(x => x.k);
        Assert.Equal(expected, keys);
    }

    [Theory]
    [InlineData("Priority", StateValueKind.Number)]
    [InlineData("Stamp", StateValueKind.Time)]
    [InlineData(null, StateValueKind.Text)]
    public async Task A_forged_or_foreign_page_token_is_an_InvalidPageTokenException_never_a_store_error(string? orderBy, StateValueKind kind)
    {
        var (fixture, prefix) = await SeedAsync();
        await using var _ = fixture;
        var q = fixture.Query;
        var query = new GrainStateQuery("counter") { KeyPrefix = prefix, OrderBy = orderBy, OrderByKind = kind, Limit = 4 };
        var genuine = (await q.QueryAsync<IndexedState>(query)).NextPageToken!;

        // Not a token any query returned: undecodable, truncated, or not an [order, direction, value, key] position.
        string Position(string? by, string direction, string? value) => Encode(System.Text.Json.JsonSerializer.Serialize(new[] { by ?? "", direction, value, "k" }));
        List<string> forged = ["not a token", genuine[..(genuine.Length / 2)], Encode("[\"x\"]"), Encode("{}"), Encode("[\"x\", null]")];

        // Well-formed, but issued for another order: another property, or the other direction.
        forged.AddRange([Position(orderBy is null ? "Priority" : null, "ASC", "1"), Position(orderBy, "DES", "1")]);
        if (orderBy is not null)
        {
            // Well-formed, but the sort value is not a number or time (sorted by key, the sort value is unused).
            forged.AddRange([Position(orderBy, "ASC", "not-a-value"), Position(orderBy, "ASC", ""), Position(orderBy, "ASC", "2026-13-45 99:99:99+00")]);
        }

        // Every one is refused by the check callers can run before querying, and by the query itself.
        foreach (var token in forged)
        {
            Assert.Throws<InvalidPageTokenException>(() => q.Validate(query with { PageToken = token }));
            await Assert.ThrowsAsync<InvalidPageTokenException>(() => q.QueryAsync<IndexedState>(query with { PageToken = token }));
        }

        foreach (var token in forged)
        {
            await Assert.ThrowsAsync<InvalidPageTokenException>(() => q.QueryAsync<IndexedState>(query with { PageToken = token }));
        }

        // The genuine token still works after the refusals.
        Assert.NotEmpty((await q.QueryAsync<IndexedState>(query with { PageToken = genuine })).Items);
    }

    [Fact]
    public async Task Dictionary_keys_with_dashes_can_be_filtered_and_sorted_on()
    {
        await using var fixture = await PersistenceFixture.CreateAsync(Kind);
        var prefix = NewKey("dash") + "-";
        for (var i = 0; i < 5; i++)
        {
            var labels = new Dictionary<string, string>
            {
                ["cost-center"] = i % 2 == 0 ? "even" : "odd-" + i,
                ["null"] = (9 - i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            await fixture.Index.UpsertAsync(new GrainIndexEntry("counter", prefix + i, null, 1, new IndexedState { Labels = labels }.ToJson()));
        }

        var q = fixture.Query;
        var all = new GrainStateQuery("counter") { KeyPrefix = prefix };
        Assert.Equal(3, await q.CountAsync(all with { Filters = [StateFilter.Eq("Labels.cost-center", "even")] }));
        var sorted = await q.QueryAsync<IndexedState>(all with { OrderBy = "Labels.cost-center", Descending = true });
        Assert.Equal([prefix + "3", prefix + "1", prefix + "4", prefix + "2", prefix + "0"], sorted.Items.Select(i => i.Key));
        await Assert.ThrowsAsync<ArgumentException>(() => q.CountAsync(all with { Filters = [StateFilter.Eq("Labels.a'b", "x")] }));

        // A key spelled like SQL's NULL is still a key when sorting (PostgreSQL inlines the sort path as an array).
        var byNull = await q.QueryAsync<IndexedState>(all with { OrderBy = "Labels.null" });
        Assert.Equal([prefix + "4", prefix + "3", prefix + "2", prefix + "1", prefix + "0"], byNull.Items.Select(i => i.Key));
    }

    private static string Encode(string json) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class PostgresQueryConformanceTests : QueryConformanceTests
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

public sealed class SqliteQueryConformanceTests : QueryConformanceTests
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}
