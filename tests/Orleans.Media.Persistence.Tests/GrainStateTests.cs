using Orleans.Storage;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests;

/// <summary>Orleans' ADO.NET grain storage on the project's schema, through real grains.</summary>
public sealed class GrainStateTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task State_is_written_read_back_by_a_new_activation_and_cleared(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc-" + Guid.NewGuid().ToString("N")[..8]);
        var grain = silo.Grains.GetGrain<ICounterGrain>("c1");

        Assert.False(await grain.RecordExists());
        await grain.Increment();
        Assert.Equal(2, await grain.Increment());
        Assert.Equal("2", await grain.GetETag());

        await ReactivateAsync(grain);
        Assert.Equal(2, await grain.Get());
        Assert.True(await grain.RecordExists());

        await grain.Clear();
        Assert.False(await grain.RecordExists());
        await ReactivateAsync(grain);
        Assert.Equal(0, await grain.Get());
        Assert.False(await grain.RecordExists());

        // Writing after a clear continues the row's versions: a stale activation with an old ETag stays fenced.
        Assert.Equal(1, await grain.Increment());
        Assert.Equal("4", await grain.GetETag());
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task A_write_over_a_row_changed_behind_the_grains_back_is_InconsistentStateException(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc-" + Guid.NewGuid().ToString("N")[..8]);
        var grain = silo.Grains.GetGrain<ICounterGrain>("fenced");
        await grain.Increment();

        // Another (stale or duplicate) activation's write, as the database sees it.
        Assert.Equal(1, await Sql.ExecuteAsync(test.Database, "UPDATE orleans_storage SET version = version + 1"));

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.Increment());

        // Orleans deactivates a grain whose write was refused; the next activation reads the current row.
        var count = await Eventually.WaitAsync(async () =>
        {
            try
            {
                return await grain.Increment();
            }
            catch (InconsistentStateException)
            {
                return -1;
            }
        }, n => n > 0, "a fresh activation's write");
        Assert.Equal(2, count);
        Assert.Equal("3", await grain.GetETag());
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Grains_of_two_services_on_one_database_do_not_see_each_other(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using (var a = await TestSilo.StartAsync(test.Database, "svc-a"))
        {
            await a.Grains.GetGrain<ICounterGrain>("shared").Increment();
        }

        await using var b = await TestSilo.StartAsync(test.Database, "svc-b");
        Assert.Equal(0, await b.Grains.GetGrain<ICounterGrain>("shared").Get());
    }

    /// <summary>Deactivates the grain and waits until a new activation (which read its state from storage) answers.</summary>
    internal static async Task ReactivateAsync(ICounterGrain grain)
    {
        var old = await grain.Activation();
        await grain.Deactivate();
        await Eventually.WaitAsync(grain.Activation, a => a != old, "a new activation");
    }
}
