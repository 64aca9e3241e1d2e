using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Persistence.Schema;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Orleans.Runtime;

namespace Orleans.Media.Persistence.Tests.Providers;

/// <summary>Each operation of Orleans' ADO.NET reminder table on the project's queries, driven directly.</summary>
public sealed class ReminderTableTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Upsert_read_and_conditional_delete(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        var table = await OpenAsync(test.Database, "svc");
        var grain = GrainId.Create("test", "a");
        var start = new DateTime(2026, 12, 3, 10, 0, 0, 123, DateTimeKind.Utc);

        var etag1 = Assert.IsType<string>(await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r1", StartAt = start, Period = TimeSpan.FromMinutes(1) }));
        var row = await table.ReadRow(grain, "r1");
        Assert.NotNull(row);
        Assert.Equal((grain, "r1", start, TimeSpan.FromMinutes(1), etag1), (row.GrainId, row.ReminderName, row.StartAt, row.Period, row.ETag));
        Assert.Null(await table.ReadRow(grain, "missing"));

        // An update changes the ETag; a period beyond int milliseconds (Orleans then sends a long) round-trips.
        var etag2 = Assert.IsType<string>(await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r1", StartAt = start, Period = TimeSpan.FromDays(30) }));
        Assert.NotEqual(etag1, etag2);
        Assert.Equal(TimeSpan.FromDays(30), (await table.ReadRow(grain, "r1"))!.Period);

        await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r2", StartAt = start, Period = TimeSpan.FromMinutes(5) });
        await table.UpsertRow(new ReminderEntry { GrainId = GrainId.Create("test", "b"), ReminderName = "r1", StartAt = start, Period = TimeSpan.FromMinutes(5) });
        Assert.Equal(["r1", "r2"], (await table.ReadRows(grain)).Reminders.Select(r => r.ReminderName).Order());

        Assert.False(await table.RemoveRow(grain, "r1", etag1));
        Assert.NotNull(await table.ReadRow(grain, "r1"));
        Assert.True(await table.RemoveRow(grain, "r1", etag2));
        Assert.Null(await table.ReadRow(grain, "r1"));
        Assert.False(await table.RemoveRow(grain, "r1", etag2));

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Ring_ranges_return_exactly_the_grains_whose_hash_they_hold(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        var table = await OpenAsync(test.Database, "svc");
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("test", "g" + i)).ToList();
        foreach (var g in grains)
        {
            await table.UpsertRow(new ReminderEntry { GrainId = g, ReminderName = "r", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
        }

        // Another service's reminders on the same table are never read.
        var other = await OpenAsync(test.Database, "other-svc");
        await other.UpsertRow(new ReminderEntry { GrainId = grains[0], ReminderName = "r", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        uint[][] ranges =
        [
            [hashes[5], hashes[20]],                 // within the ring
            [hashes[30], hashes[3]],                 // wrapping past uint.MaxValue
            [0x7FFF_FFF0, 0x8000_0100],              // crossing the signed boundary (as uint it does not wrap)
            [0x10, 0xF000_0000],
            [0xF000_0000, 0x10],
            [hashes[7], hashes[7]],                  // the whole ring
        ];
        foreach (var r in ranges)
        {
            var (begin, end) = (r[0], r[1]);
            var expected = grains.Where(g => InRange(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order().ToList();
            var actual = (await table.ReadRows(begin, end)).Reminders.Select(e => e.GrainId.ToString()).Order().ToList();
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>Orleans' ring range (begin, end] on uint hashes; begin == end is the full ring.</summary>
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static async Task<IReminderTable> OpenAsync(MediaDatabase db, string serviceId)
    {
        await MediaSchema.MigrateAsync(db);
        var host = TestSilo.Build(db, serviceId);
        var table = host.Services.GetRequiredService<IReminderTable>();
        await table.StartAsync();
        return table;
    }
}
