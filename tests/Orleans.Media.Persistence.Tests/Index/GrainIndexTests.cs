using Npgsql;
using Orleans.Media.Persistence.Index;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests.Index;

public sealed class GrainIndexTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task An_older_version_never_replaces_a_newer_one(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        async Task<(long Version, string? Tag, string? Partition)> ReadAsync()
        {
            var page = await f.Query.QueryAsync<IndexedState>(new GrainStateQuery("task"));
            var item = Assert.Single(page.Items);
            return (item.Version, item.State.Tag, item.Partition);
        }

        await f.Index.UpsertAsync(new GrainIndexEntry("task", "t1", "p1", 2, new IndexedState { Tag = "v2" }.ToJson()));
        await f.Index.UpsertAsync(new GrainIndexEntry("task", "t1", "p1", 1, new IndexedState { Tag = "late v1" }.ToJson()));
        Assert.Equal((2, "v2", "p1"), await ReadAsync());

        // The same version rewrites the row (a repair after a crash between state write and index write).
        await f.Index.UpsertAsync(new GrainIndexEntry("task", "t1", "p1", 2, new IndexedState { Tag = "v2 repaired" }.ToJson()));
        Assert.Equal((2, "v2 repaired", "p1"), await ReadAsync());

        await f.Index.UpsertAsync(new GrainIndexEntry("task", "t1", "p2", 3, new IndexedState { Tag = "v3" }.ToJson()));
        Assert.Equal((3, "v3", "p2"), await ReadAsync());
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task A_row_written_ahead_follows_the_same_version_rules(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        await f.Index.UpsertAheadAsync(new GrainIndexEntry("task", "t1", "p1", 1, new IndexedState { Tag = "queued" }.ToJson()));
        await f.Index.UpsertAsync(new GrainIndexEntry("task", "t1", "p1", 3, new IndexedState { Tag = "v3" }.ToJson()));
        await f.Index.UpsertAheadAsync(new GrainIndexEntry("task", "t1", "p1", 2, new IndexedState { Tag = "late repair" }.ToJson()));
        await f.Index.UpsertAheadAsync(new GrainIndexEntry("task", "t2", "p1", 1, new IndexedState { Tag = "t2" }.ToJson()));

        var page = await f.Query.QueryAsync<IndexedState>(new GrainStateQuery("task"));
        Assert.Equal(["v3", "t2"], page.Items.Select(i => i.State.Tag));
        Assert.Equal([3L, 1L], page.Items.Select(i => i.Version));
    }

    [Fact]
    public async Task A_row_written_ahead_leaves_its_pooled_connection_committing_synchronously()
    {
        // The write turns synchronous_commit off for its own transaction only: a pooled connection that kept it
        // would make the next state write return before its flush.
        await using var f = await PersistenceFixture.CreateAsync(DatabaseKind.Postgres);

        // The test server runs with synchronous_commit off; this database's sessions start with it on.
        await using (var setup = await f.Database.OpenAsync())
        await using (var alter = setup.CreateCommand())
        {
            alter.CommandText = "SELECT current_database()";
            var name = (string)(await alter.ExecuteScalarAsync())!;
            alter.CommandText = $"ALTER DATABASE \"{name}\" SET synchronous_commit = on";
            await alter.ExecuteNonQueryAsync();
        }

        ((NpgsqlDataSource)f.Database.DataSource).Clear();
        for (var i = 0; i < 20; i++)
        {
            await f.Index.UpsertAheadAsync(new GrainIndexEntry("task", "t" + i, "p1", 1, new IndexedState { Tag = "queued" }.ToJson()));
        }

        await using var conn = await f.Database.OpenAsync();
        await using var show = conn.CreateCommand();
        show.CommandText = "SHOW synchronous_commit";
        Assert.Equal("on", (string?)await show.ExecuteScalarAsync());
        await using var open = conn.CreateCommand();
        open.CommandText = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'";
        Assert.Equal(0L, (long)(await open.ExecuteScalarAsync())!);
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Rows_written_ahead_at_once_keep_the_version_rules_and_a_bad_row_fails_only_its_caller(DatabaseKind kind)
    {
        // On PostgreSQL rows written ahead at the same time share transactions: three versions of 100 keys arrive
        // in random order (several of one key in one statement), and five malformed rows among them.
        await using var f = await PersistenceFixture.CreateAsync(kind);
        var writes = Enumerable.Range(0, 100).SelectMany(k => Enumerable.Range(1, 3).Select(v => (Key: "k" + k, Version: (long)v)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var good = writes.Select(w => Task.Run(() => f.Index.UpsertAheadAsync(
            new GrainIndexEntry("task", w.Key, "p1", w.Version, new IndexedState { Tag = "v" + w.Version }.ToJson())))).ToList();
        var bad = Enumerable.Range(0, 5).Select(i => Task.Run(() => f.Index.UpsertAheadAsync(
            new GrainIndexEntry("task", "bad" + i, "p1", 1, "{not json")))).ToList();

        await Task.WhenAll(good);
        foreach (var b in bad)
        {
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => b);
        }

        var page = await f.Query.QueryAsync<IndexedState>(new GrainStateQuery("task") { Limit = 100 });
        Assert.Equal(100, await f.Query.CountAsync(new GrainStateQuery("task")));
        Assert.All(page.Items, i => Assert.Equal((3L, "v3"), (i.Version, i.State.Tag)));
    }

    [Fact]
    public void A_batch_writes_each_key_once_with_its_highest_version_and_the_last_on_a_tie()
    {
        static PostgresIndexAheadWriter.Pending P(string key, long version, string json) =>
            new(new GrainIndexEntry("task", key, null, version, json), new TaskCompletionSource());

        var rows = PostgresIndexAheadWriter.Rows([P("a", 2, "a2"), P("b", 1, "b1"), P("a", 1, "a1"), P("a", 2, "a2 again"), P("b", 3, "b3")]);

        Assert.Equal([("a", "a2 again"), ("b", "b3")], rows.Select(r => (r.Key, r.StateJson)).OrderBy(r => r.Key));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Rows_are_per_grain_type_and_delete_removes_one(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        await f.Index.UpsertAsync(new GrainIndexEntry("task", "k", "p", 1, new IndexedState { Tag = "task" }.ToJson()));
        await f.Index.UpsertAsync(new GrainIndexEntry("project", "k", null, 1, new IndexedState { Tag = "project" }.ToJson()));

        Assert.Equal(1, await f.Query.CountAsync(new GrainStateQuery("task")));
        Assert.Equal(0, await f.Query.CountAsync(new GrainStateQuery("project") { Partition = "p" }));

        await f.Index.DeleteAsync("task", "k");
        await f.Index.DeleteAsync("task", "never-there");
        Assert.Equal(0, await f.Query.CountAsync(new GrainStateQuery("task")));
        Assert.Equal("project", Assert.Single((await f.Query.QueryAsync<IndexedState>(new GrainStateQuery("project"))).Items).State.Tag);
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Malformed_json_is_refused(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => f.Index.UpsertAsync(new GrainIndexEntry("task", "k", null, 1, "{not json")));
        await Assert.ThrowsAsync<ArgumentException>(() => f.Index.UpsertAsync(new GrainIndexEntry("task", "", null, 1, "{}")));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Enum_filters_compare_by_name(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        for (var i = 0; i < 6; i++)
        {
            await f.Index.UpsertAsync(new GrainIndexEntry("task", $"t{i}", "p", 1, new IndexedState { Status = (TestStatus)(i % 3) }.ToJson()));
        }

        var q = new GrainStateQuery("task") { Partition = "p" };
        Assert.Equal(2, await f.Query.CountAsync(q with { Filters = [StateFilter.Eq("Status", TestStatus.Running)] }));
        Assert.Equal(4, await f.Query.CountAsync(q with { Filters = [StateFilter.In("Status", TestStatus.Queued, TestStatus.Succeeded)] }));
        Assert.Equal(2, await f.Query.CountAsync(q with { Filters = [StateFilter.Eq("Status", "Succeeded")] }));
    }
}
