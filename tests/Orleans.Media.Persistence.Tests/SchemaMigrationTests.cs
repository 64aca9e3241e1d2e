using Npgsql;
using Orleans.Media.Persistence.Schema;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests;

public sealed class SchemaMigrationTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Migration_applies_every_script_once_and_is_idempotent(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        var db = test.Database;
        Assert.Equal(0, await MediaSchema.CurrentVersionAsync(db));

        var first = await MediaSchema.MigrateAsync(db);
        var second = await MediaSchema.MigrateAsync(db);

        Assert.Equal(MediaSchema.LatestVersion(kind), first);
        Assert.Equal(0, second);
        Assert.Equal(MediaSchema.LatestVersion(kind), await MediaSchema.CurrentVersionAsync(db));
        Assert.Equal(first, await Sql.CountAsync(db, "SELECT count(*) FROM schema_version"));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Three_migrators_at_once_apply_each_script_exactly_once(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        var db = test.Database;

        var applied = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => MediaSchema.MigrateAsync(db))));

        Assert.Equal(MediaSchema.LatestVersion(kind), applied.Sum());
        Assert.Equal(MediaSchema.LatestVersion(kind), await Sql.CountAsync(db, "SELECT count(*) FROM schema_version"));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task The_providers_queries_are_all_present(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await MediaSchema.MigrateAsync(test.Database);

        var keys = await Sql.ColumnAsync(test.Database, "SELECT QueryKey FROM OrleansQuery");

        string[] storage = ["WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey"];
        string[] reminders = ["ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "UpsertReminderRowKey",
            "DeleteReminderRowKey", "DeleteReminderRowsKey"];
        string[] clustering = ["GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
            "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey"];
        var expected = storage.Concat(reminders).Concat(kind == DatabaseKind.Postgres ? clustering : []).Order().ToList();
        Assert.Equal(expected, keys.Order().ToList());
    }

    [Fact]
    public async Task A_silo_started_before_its_database_is_reachable_migrates_once_it_is()
    {
        await using var test = await TestDatabase.CreatePostgresAsync();
        var server = new NpgsqlConnectionStringBuilder(test.Database.ConnectionString);
        await using var gate = new TcpGate(server.Port);
        var db = MediaDatabase.ForPostgres(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Port = gate.Port }.ConnectionString);

        var starting = TestSilo.StartAsync(db, "svc");
        await Eventually.WaitAsync(() => gate.Dropped >= 2 || starting.IsCompleted, "the migrator to retry");
        Assert.False(starting.IsCompleted);
        gate.Open();

        await using var silo = await starting;
        Assert.Equal(1, await silo.Grains.GetGrain<ICounterGrain>("late").Increment());
        Assert.Equal(MediaSchema.LatestVersion(DatabaseKind.Postgres), await MediaSchema.CurrentVersionAsync(test.Database));
    }
}
