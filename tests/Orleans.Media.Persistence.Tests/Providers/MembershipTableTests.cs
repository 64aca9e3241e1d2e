using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Persistence.Schema;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Tests.Providers;

/// <summary>Each operation of Orleans' ADO.NET membership table on the project's PostgreSQL queries, driven directly
/// (the silo that owns the table is built, not started).</summary>
public sealed class MembershipTableTests
{
    [Fact]
    public async Task Rows_change_only_at_the_table_version_they_were_read_at()
    {
        await using var test = await TestDatabase.CreatePostgresAsync();
        var table = await OpenAsync(test.Database, "cluster-a");

        var empty = await table.ReadAllAsync();
        Assert.Empty(empty.Members);
        var v0 = empty.Version;

        var first = Entry(1001, SiloStatus.Joining);
        Assert.True(await table.InsertRowAsync(first, v0.Next()));

        // A second insert based on the same (now old) version is refused and leaves nothing behind.
        Assert.False(await table.InsertRowAsync(Entry(1002, SiloStatus.Joining), v0.Next()));
        var afterInsert = await table.ReadAllAsync();
        var member = Assert.Single(afterInsert.Members).Item1;
        Assert.Equal(v0.Version + 1, afterInsert.Version.Version);
        Assert.Equal((first.SiloAddress, first.SiloName, first.HostName, first.ProxyPort, SiloStatus.Joining),
            (member.SiloAddress, member.SiloName, member.HostName, member.ProxyPort, member.Status));
        Assert.Equal(first.StartTime, member.StartTime, TimeSpan.FromMilliseconds(1));

        // Inserting the same silo twice is refused even at the current version.
        Assert.False(await table.InsertRowAsync(Entry(1001, SiloStatus.Joining), afterInsert.Version.Next()));

        var suspector = SiloAddress.New(IPAddress.Loopback, 2002, 7);
        first.Status = SiloStatus.Active;
        first.AddSuspector(suspector, new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc));
        // A row's ETag is the table version it was read at (Orleans 10 refuses any other before the query runs).
        var etag = Assert.Single(afterInsert.Members).Item2;
        Assert.True(await table.UpdateRowAsync(first, etag, afterInsert.Version.Next()));
        Assert.False(await table.UpdateRowAsync(first, etag, afterInsert.Version.Next()));

        var row = await table.ReadRowAsync(first.SiloAddress);
        var updated = Assert.Single(row.Members).Item1;
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.Equal(suspector, Assert.Single(updated.SuspectTimes!).Item1);
        Assert.Equal(v0.Version + 2, row.Version.Version);

        // IAmAlive is a heartbeat: it moves the row's time, not the table version.
        first.IAmAliveTime = first.IAmAliveTime.AddMinutes(3);
        await table.UpdateIAmAliveAsync(first);
        var alive = await table.ReadRowAsync(first.SiloAddress);
        Assert.Equal(first.IAmAliveTime, Assert.Single(alive.Members).Item1.IAmAliveTime, TimeSpan.FromMilliseconds(1));
        Assert.Equal(v0.Version + 2, alive.Version.Version);

        // A silo not in the table: its row read returns the table version and no member.
        var unknown = await table.ReadRowAsync(SiloAddress.New(IPAddress.Loopback, 9999, 1));
        Assert.Empty(unknown.Members);
        Assert.Equal(v0.Version + 2, unknown.Version.Version);
    }

    [Fact]
    public async Task Cleanup_removes_long_dead_silos_only_and_clusters_are_separate()
    {
        await using var test = await TestDatabase.CreatePostgresAsync();
        var table = await OpenAsync(test.Database, "cluster-a");
        var other = await OpenAsync(test.Database, "cluster-b");
        var old = DateTime.UtcNow.AddHours(-2);

        var version = (await table.ReadAllAsync()).Version;
        foreach (var (port, status, alive) in new[] { (1, SiloStatus.Dead, old), (2, SiloStatus.Active, old), (3, SiloStatus.Dead, DateTime.UtcNow), (4, SiloStatus.ShuttingDown, old), (5, SiloStatus.Dead, old) })
        {
            var e = Entry(port, status);
            e.StartTime = old.AddMinutes(-5);
            e.IAmAliveTime = alive;
            Assert.True(await table.InsertRowAsync(e, version.Next()));
            version = (await table.ReadAllAsync()).Version;
            if (port == 5)
            {
                // Declared dead long ago, but a suspicion vote is recent (votes are written by updates): kept until
                // that ages too.
                e.AddSuspector(SiloAddress.New(IPAddress.Loopback, 7777, 1), DateTime.UtcNow);
                Assert.True(await table.UpdateRowAsync(e, version.VersionEtag, version.Next()));
                version = (await table.ReadAllAsync()).Version;
            }
        }

        var otherEntry = Entry(1, SiloStatus.Dead);
        otherEntry.StartTime = old;
        otherEntry.IAmAliveTime = old;
        Assert.True(await other.InsertRowAsync(otherEntry, (await other.ReadAllAsync()).Version.Next()));

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddHours(-1));

        Assert.Equal([2, 3, 4, 5], (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order());
        Assert.Single((await other.ReadAllAsync()).Members);

        await table.DeleteMembershipTableEntriesAsync("cluster-a");
        Assert.Equal(0, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_membership WHERE deployment_id = 'cluster-a'"));
        Assert.Equal(0, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_membership_version WHERE deployment_id = 'cluster-a'"));
        Assert.Single((await other.ReadAllAsync()).Members);
    }

    [Fact]
    public async Task Initializing_twice_keeps_one_version_row()
    {
        await using var test = await TestDatabase.CreatePostgresAsync();
        var a = await OpenAsync(test.Database, "cluster-a");
        await OpenAsync(test.Database, "cluster-a");
        Assert.Equal(1, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_membership_version"));
        Assert.Equal(0, (await a.ReadAllAsync()).Version.Version);
    }

    private static MembershipEntry Entry(int port, SiloStatus status) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 42),
        SiloName = "silo-" + port,
        HostName = "host-" + port,
        Status = status,
        ProxyPort = port + 1000,
        StartTime = DateTime.UtcNow,
        IAmAliveTime = DateTime.UtcNow,
    };

    private static async Task<IMembershipTable> OpenAsync(MediaDatabase db, string clusterId)
    {
        await MediaSchema.MigrateAsync(db);
        var host = TestSilo.Build(db, "svc", clusterId);
        var table = host.Services.GetRequiredService<IMembershipTable>();
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }
}
