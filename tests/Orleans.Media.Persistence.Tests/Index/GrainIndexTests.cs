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
