using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Orleans.Media.Persistence.Index;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.Media.Persistence.Tests.Index;

/// <summary>
/// The listings ListTasks and the task grains run, on a project of 80,000 indexed tasks (plus another project):
/// each is answered from an index in the order asked — no scan of the table, no sort of the whole partition.
/// Checked on the plan the database chooses for the SQL the query builder writes.
/// </summary>
public sealed class ListingPlanTests(ITestOutputHelper output)
{
    private const int Tasks = 80_000;
    private const long Now = 1_750_000_000_000;

    public static TheoryData<DatabaseKind> Kinds => new() { DatabaseKind.Postgres, DatabaseKind.Sqlite };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_listing_of_a_large_project_reads_an_index_in_order(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        await SeedAsync(f.Database);
        var live = new[] { StateFilter.Eq("Exists", true), StateFilter.Gte("ExpiresAtMs", Now + 1) };
        var task = new GrainStateQuery("task") { Partition = "P1", Limit = 100 };
        var cases = new (string Name, GrainStateQuery Query, bool Sorted)[]
        {
            ("by key", task with { Filters = live }, true),
            ("by key, descending", task with { Filters = live, Descending = true }, true),
            ("by start time, descending", task with { Filters = live, OrderBy = "StartTimeMs", OrderByKind = StateValueKind.Number, Descending = true }, true),
            ("by end time", task with { Filters = live, OrderBy = "EndTimeMs", OrderByKind = StateValueKind.Number }, true),
            ("running, by key", task with { Filters = [.. live, StateFilter.Eq("Status", "Running")] }, false),
            ("waiting queue", task with { Filters = [StateFilter.Eq("Exists", true), StateFilter.Eq("Phase", "Queued")], OrderBy = "StartTimeMs", OrderByKind = StateValueKind.Number }, true),
            ("expired", task with { Filters = [StateFilter.Eq("Exists", true), StateFilter.Lte("ExpiresAtMs", Now)] }, false),
        };

        foreach (var (name, query, sorted) in cases)
        {
            // The second page too: the keyset condition must not lose the index.
            var first = await f.Query.QueryAsync<TaskRow>(query);
            Assert.Equal(100, first.Items.Count);
            foreach (var q in new[] { query, query with { PageToken = first.NextPageToken } })
            {
                var plan = await PlanAsync(f, q);
                var clock = Stopwatch.StartNew();
                await f.Query.QueryAsync<TaskRow>(q);
                output.WriteLine($"{kind} {name}{(q.PageToken is null ? "" : " (page 2)")}: {clock.ElapsedMilliseconds} ms\n  {string.Join("\n  ", plan)}");
                AssertIndexed(kind, name, plan, sorted);
            }
        }

        var countPlan = await PlanAsync(f, task with { Filters = [StateFilter.Eq("Exists", true), StateFilter.Eq("Status", "Running")] }, count: true);
        AssertIndexed(kind, "count running", countPlan, sorted: false);
        Assert.Equal(Tasks / 100, await f.Query.CountAsync(task with { Filters = [StateFilter.Eq("Exists", true), StateFilter.Eq("Status", "Running")] }));
    }

    private static void AssertIndexed(DatabaseKind kind, string name, IReadOnlyList<string> plan, bool sorted)
    {
        var text = string.Join("\n", plan);
        if (kind == DatabaseKind.Postgres)
        {
            Assert.False(text.Contains("Seq Scan", StringComparison.Ordinal), $"{name}: {text}");
            if (sorted)
            {
                Assert.False(plan.Any(l => l.TrimStart(' ', '-', '>').StartsWith("Sort", StringComparison.Ordinal)), $"{name} sorts: {text}");
            }
        }
        else
        {
            Assert.False(plan.Any(l => l.StartsWith("SCAN grain_index", StringComparison.Ordinal) && !l.Contains("INDEX", StringComparison.Ordinal)), $"{name}: {text}");
            if (sorted)
            {
                Assert.False(text.Contains("TEMP B-TREE", StringComparison.Ordinal), $"{name} sorts: {text}");
            }
        }
    }

    private static async Task<IReadOnlyList<string>> PlanAsync(PersistenceFixture f, GrainStateQuery query, bool count = false)
    {
        var lines = new List<string>();
        if (f.Database.Kind == DatabaseKind.Postgres)
        {
            await using var cmd = f.Get<IGrainIndexStore>() is PostgresIndexStore pg ? pg.Build(query, count) : throw new InvalidOperationException();
            cmd.CommandText = "EXPLAIN " + cmd.CommandText;
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }
        else
        {
            await using var conn = (SqliteConnection)await f.Database.OpenAsync();
            await using var cmd = SqliteIndexStore.Build(conn, query, count);
            cmd.CommandText = "EXPLAIN QUERY PLAN " + cmd.CommandText;
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(3));
            }
        }

        return lines;
    }

    /// <summary>80,000 tasks in P1, 20,000 in P2: 1% running, 2% queued, 1% expired; times spread over days.</summary>
    private static Task SeedAsync(MediaDatabase db) => db.Kind == DatabaseKind.Postgres
        ? Sql.ExecuteAsync(db, $"""
            INSERT INTO grain_index (grain_type, grain_key, partition_key, version, state)
            SELECT 'task', p || '-' || lpad(i::text, 6, '0'), p, 1, jsonb_build_object(
                'Exists', true,
                'Status', CASE WHEN i % 100 = 0 THEN 'Running' WHEN i % 10 = 0 THEN 'Failed' ELSE 'Succeeded' END,
                'Phase', CASE WHEN i % 50 = 1 THEN 'Queued' ELSE 'Ended' END,
                'StartTimeMs', {Now} - 86400000 * 5 + (i * 7919 % {Tasks}) * 1000,
                'EndTimeMs', {Now} - 86400000 * 5 + (i * 104729 % {Tasks}) * 1000,
                'ExpiresAtMs', CASE WHEN i % 100 = 7 THEN {Now} - 1 ELSE {Now} + i END)
            FROM (SELECT 'P1' AS p, i FROM generate_series(1::bigint, {Tasks}) i
                  UNION ALL SELECT 'P2', i FROM generate_series(1::bigint, {Tasks / 4}) i) s;
            ANALYZE grain_index;
            """)
        : Sql.ExecuteAsync(db, $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Tasks}),
                 s(p, i) AS (SELECT 'P1', i FROM n UNION ALL SELECT 'P2', i FROM n WHERE i <= {Tasks / 4})
            INSERT INTO grain_index (grain_type, grain_key, partition_key, version, state, updated_at)
            SELECT 'task', p || '-' || printf('%06d', i), p, 1, json_object(
                'Exists', json('true'),
                'Status', CASE WHEN i % 100 = 0 THEN 'Running' WHEN i % 10 = 0 THEN 'Failed' ELSE 'Succeeded' END,
                'Phase', CASE WHEN i % 50 = 1 THEN 'Queued' ELSE 'Ended' END,
                'StartTimeMs', {Now} - 86400000 * 5 + (i * 7919 % {Tasks}) * 1000,
                'EndTimeMs', {Now} - 86400000 * 5 + (i * 104729 % {Tasks}) * 1000,
                'ExpiresAtMs', CASE WHEN i % 100 = 7 THEN {Now} - 1 ELSE {Now} + i END), 0
            FROM s;
            ANALYZE;
            """);

    private sealed record TaskRow(string Status, long StartTimeMs);
}
