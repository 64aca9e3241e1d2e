using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>
/// [CreatesGrain] lets a turn assume its grain is new and skip the lock step; whenever the grain existed after all,
/// the answer, the stored state and the effects must be exactly those of the usual turn. Existing grains are written
/// by the other silo, so the calling silo holds no activation of them and really does assume them new.
/// </summary>
public abstract class CreatesGrainConformanceTests : ConformanceTestBase
{
    [Fact]
    public async Task A_new_grain_is_created_once_with_its_effects()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey("reg");

        Assert.Equal(7, await cluster[0].GetGrain<IRegistrationGrain>(key).Register(7));

        Assert.Equal(7, await cluster[1].GetGrain<IRegistrationGrain>(key).Peek());
        Assert.Equal(1, await StoreProbe.CountAsync(cluster, "grains", key));
        Assert.Equal(1, await StoreProbe.CountAsync(cluster, "events", key));
    }

    [Fact]
    public async Task Creating_a_grain_that_exists_answers_from_its_stored_state_and_repeats_no_effect()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey("reg");
        await cluster[0].GetGrain<IRegistrationGrain>(key).Register(7);

        // Silo 1 assumes the grain new, registers 9 on empty state, and its insert conflicts: the usual turn then
        // finds 7 registered and writes nothing.
        Assert.Equal(7, await cluster[1].GetGrain<IRegistrationGrain>(key).Register(9));

        Assert.Equal(7, await cluster[0].GetGrain<IRegistrationGrain>(key).Peek());
        Assert.Equal(1, await StoreProbe.CountAsync(cluster, "events", key));
    }

    [Fact]
    public async Task A_call_that_writes_nothing_reads_the_stored_state_not_the_assumed_empty_one()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey("reg");
        await cluster[0].GetGrain<IRegistrationGrain>(key).Register(7);

        Assert.Equal(7, await cluster[1].GetGrain<IRegistrationGrain>(key).Peek());
        Assert.Equal(0, await cluster[1].GetGrain<IRegistrationGrain>(NewKey("absent")).Peek());
    }

    [Fact]
    public async Task A_call_that_throws_on_the_assumed_empty_state_runs_again_on_the_stored_state()
    {
        await using var cluster = await StartClusterAsync(2);
        var key = NewKey("reg");
        await cluster[0].GetGrain<IRegistrationGrain>(key).Register(7);

        Assert.Equal(10, await cluster[1].GetGrain<IRegistrationGrain>(key).AddToRegistered(3));

        // On a grain that really is new the method's own exception reaches the caller, and nothing is stored.
        var absent = NewKey("absent");
        await Assert.ThrowsAsync<InvalidOperationException>(() => cluster[1].GetGrain<IRegistrationGrain>(absent).AddToRegistered(3));
        Assert.Equal(0, await StoreProbe.CountAsync(cluster, "grains", absent));
    }

    [Fact]
    public async Task A_nested_creation_of_an_existing_grain_reruns_the_whole_turn_the_usual_way()
    {
        await using var cluster = await StartClusterAsync(2);
        var existing = NewKey("reg");
        await cluster[0].GetGrain<IRegistrationGrain>(existing).Register(7);
        var caller = NewKey("caller");

        Assert.Equal(7, await cluster[1].GetGrain<IRegistrationGrain>(caller).RegisterWithOther(existing, 9));

        Assert.Equal(9, await cluster[0].GetGrain<IRegistrationGrain>(caller).Peek());
        Assert.Equal(7, await cluster[0].GetGrain<IRegistrationGrain>(existing).Peek());
        Assert.Equal(1, await StoreProbe.CountAsync(cluster, "events", existing));
    }

    [Fact]
    public async Task A_wrong_guess_is_not_an_attempt_even_when_a_turn_may_run_only_once()
    {
        await using var cluster = await StartClusterAsync(2, o => o.ConfigureOptions = r => r.MaxTurnAttempts = 1);
        var (first, second) = (NewKey("reg"), NewKey("reg"));
        await cluster[0].GetGrain<IRegistrationGrain>(first).Register(7);
        await cluster[0].GetGrain<IRegistrationGrain>(second).Register(7);

        // Each assumes its grain new on silo 1, is proved wrong (an insert conflict, an exception on empty state),
        // and must still get its usual run rather than the stand-in conflict.
        Assert.Equal(7, await cluster[1].GetGrain<IRegistrationGrain>(first).Register(9));
        Assert.Equal(10, await cluster[1].GetGrain<IRegistrationGrain>(second).AddToRegistered(3));
    }

    [Fact]
    public async Task Concurrent_creations_of_one_grain_on_two_silos_register_one_value()
    {
        await using var cluster = await StartClusterAsync(2);
        for (var round = 0; round < 10; round++)
        {
            var key = NewKey("race");
            var answers = await Task.WhenAll(
                cluster[0].GetGrain<IRegistrationGrain>(key).Register(1),
                cluster[1].GetGrain<IRegistrationGrain>(key).Register(2));

            // Whoever lost saw the winner's value; one registration, one event.
            Assert.Equal(answers[0], answers[1]);
            Assert.Equal(answers[0], await cluster[0].GetGrain<IRegistrationGrain>(key).Peek());
            Assert.Equal(1, await StoreProbe.CountAsync(cluster, "events", key));
        }
    }
}

public sealed class PostgresCreatesGrainConformanceTests : CreatesGrainConformanceTests
{
    protected override TestStore Store => TestStore.Postgres;
}

public sealed class SqliteCreatesGrainConformanceTests : CreatesGrainConformanceTests
{
    protected override TestStore Store => TestStore.Sqlite;
}
