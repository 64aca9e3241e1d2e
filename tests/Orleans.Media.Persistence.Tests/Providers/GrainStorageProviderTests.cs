using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Media.Persistence.Hosting;
using Orleans.Media.Persistence.Tests.Grains;
using Orleans.Media.Persistence.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Media.Persistence.Tests.Providers;

/// <summary>Each operation of Orleans' ADO.NET grain storage on the project's queries, driven directly through the
/// provider a running silo initialized.</summary>
public sealed class GrainStorageProviderTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Writes_and_clears_apply_only_at_the_version_read(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc");
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(MediaPersistenceExtensions.MediaStorage);
        var id = GrainId.Create("counter", "direct");

        var state = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", id, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);

        state.State = new CounterState { Count = 5, Note = "first" };
        await storage.WriteStateAsync("counter", id, state);
        Assert.Equal("1", state.ETag);
        Assert.True(state.RecordExists);

        // A second activation that also believed the grain new: its first write is refused.
        var duplicate = new GrainState<CounterState> { State = new CounterState { Count = 99 } };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, duplicate));

        var stale = new GrainState<CounterState> { State = new CounterState { Count = 98 }, ETag = "1" };
        state.State = state.State! with { Count = 6 };
        await storage.WriteStateAsync("counter", id, state);
        Assert.Equal("2", state.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("counter", id, stale));

        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", id, read);
        Assert.Equal((6, "first", "2", true), (read.State!.Count, read.State.Note, read.ETag, read.RecordExists));

        await storage.ClearStateAsync("counter", id, state);
        Assert.Equal(("3", false, 0), (state.ETag, state.RecordExists, state.State!.Count));
        var cleared = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", id, cleared);
        Assert.Equal(("3", false, 0), (cleared.ETag, cleared.RecordExists, cleared.State!.Count));

        // The cleared row keeps its version: writing on from it works, a write without an ETag does not.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, new GrainState<CounterState> { State = new CounterState() }));
        cleared.State = new CounterState { Count = 1 };
        await storage.WriteStateAsync("counter", id, cleared);
        Assert.Equal("4", cleared.ETag);
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task A_grain_marked_new_skips_one_read_while_it_is_created_and_can_never_overwrite_a_row(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc");
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(MediaPersistenceExtensions.MediaStorage);
        var newIds = silo.Host.Services.GetRequiredService<NewGrainIds>();
        var id = GrainId.Create("counter", "taken");
        await storage.WriteStateAsync("counter", id, new GrainState<CounterState> { State = new CounterState { Count = 5 } });

        // Marked new (as the API marks a task id it just minted): the read is skipped, so even a row that exists
        // reads as absent, which is how this test sees the skip. Its first write then inserts only where no row
        // is, and is refused here: a mistaken mark cannot overwrite anything.
        using (newIds.Creating(id))
        {
            // Orleans hands the storage a state its activator made: the skip leaves it as it is.
            var fresh = new GrainState<CounterState> { State = new CounterState() };
            await storage.ReadStateAsync("counter", id, fresh);
            Assert.Equal((false, null, 0), (fresh.RecordExists, fresh.ETag, fresh.State!.Count));
            fresh.State = new CounterState { Count = 99 };
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, fresh));

            // The mark is used once: a second activation during the same call reads.
            var again = new GrainState<CounterState>();
            await storage.ReadStateAsync("counter", id, again);
            Assert.Equal((true, "1", 5), (again.RecordExists, again.ETag, again.State!.Count));
        }

        // Dropped when the creating call ends, read or not: any later activation reads.
        using (newIds.Creating(id))
        {
        }

        var later = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", id, later);
        Assert.Equal((true, "1", 5), (later.RecordExists, later.ETag, later.State!.Count));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Every_grain_id_and_state_name_has_its_own_row(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc");
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(MediaPersistenceExtensions.MediaStorage);
        var hex = Guid.NewGuid().ToString("N");

        // Keys Orleans' provider alone would parse as the same integer or Guid ("abc" = "0abc" = 0xABC), and the same
        // key under two grain types: all different grains.
        string[] keys = ["abc", "0abc", "ABC", "1+x", "01+x", hex, hex.ToUpperInvariant(), hex + "+x", "project-1"];
        var ids = keys.SelectMany(k => new[] { GrainId.Create("counter", k), GrainId.Create("project", k) })
            .Append(GrainId.Create(GrainType.Create("counter"), GrainIdKeyExtensions.CreateIntegerKey(0xabc)))
            .Distinct().ToList();
        var writes = ids.SelectMany(id => new[] { "counter", "other" }.Select(name => (id, name))).ToList();
        for (var i = 0; i < writes.Count; i++)
        {
            var s = new GrainState<CounterState> { State = new CounterState { Count = i } };
            await storage.WriteStateAsync(writes[i].name, writes[i].id, s);
        }

        for (var i = 0; i < writes.Count; i++)
        {
            var s = new GrainState<CounterState>();
            await storage.ReadStateAsync(writes[i].name, writes[i].id, s);
            Assert.Equal((i, "1"), (s.State!.Count, s.ETag));
        }

        Assert.Equal(writes.Count, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_storage"));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Delete_on_clear_removes_the_row(DatabaseKind kind)
    {
        await using var test = await TestDatabase.CreateAsync(kind);
        await using var silo = await TestSilo.StartAsync(test.Database, "svc", configure: s => s.AddAdoNetGrainStorage("deleting", o =>
        {
            o.Invariant = test.Database.Invariant;
            o.ConnectionString = test.Database.ConnectionString;
            o.DeleteStateOnClear = true;
        }));
        var storage = silo.Host.Services.GetRequiredKeyedService<IGrainStorage>("deleting");
        var id = GrainId.Create("counter", "gone");
        var state = new GrainState<CounterState> { State = new CounterState { Count = 1 } };
        await storage.WriteStateAsync("counter", id, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("counter", id, new GrainState<CounterState> { ETag = "7", RecordExists = true }));
        await storage.ClearStateAsync("counter", id, state);

        Assert.Null(state.ETag);
        Assert.Equal(0, await Sql.CountAsync(test.Database, "SELECT count(*) FROM orleans_storage"));
        state.State = new CounterState { Count = 2 };
        await storage.WriteStateAsync("counter", id, state);
        Assert.Equal("1", state.ETag);
    }
}
