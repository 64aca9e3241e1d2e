using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.Tests.Projects;

/// <summary>A project's engine slots: leases granted under capacity, renewed by their holder, freed when they run out.</summary>
public sealed class EngineSlotsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    [Fact]
    public void Slots_are_granted_while_under_capacity()
    {
        var (slots, a) = EngineSlots.Empty.Acquire("task-a", 2, Now, Lease);
        (slots, var b) = slots.Acquire("task-b", 2, Now, Lease);

        Assert.True(a);
        Assert.True(b);
        Assert.Equal(2, slots.Count);
        Assert.True(slots.Holds("task-a") && slots.Holds("task-b"));
        Assert.Equal(Now + Lease, slots.Leases["task-a"]);
    }

    [Fact]
    public void At_capacity_a_new_task_is_refused_and_nothing_changes()
    {
        var (full, _) = EngineSlots.Empty.Acquire("task-a", 1, Now, Lease);

        var (after, granted) = full.Acquire("task-b", 1, Now.AddSeconds(10), Lease);

        Assert.False(granted);
        Assert.False(after.Holds("task-b"));
        Assert.Equal(["task-a"], after.Leases.Keys);
        Assert.Equal(Now + Lease, after.Leases["task-a"]);
    }

    [Fact]
    public void The_holder_renews_its_slot_even_at_capacity()
    {
        var (full, _) = EngineSlots.Empty.Acquire("task-a", 1, Now, Lease);

        var (renewed, granted) = full.Acquire("task-a", 1, Now.AddSeconds(90), Lease);

        Assert.True(granted);
        Assert.Equal(1, renewed.Count);
        Assert.Equal(Now.AddSeconds(90) + Lease, renewed.Leases["task-a"]);
        // Renewed: still held where the first lease would have run out.
        Assert.False(renewed.Acquire("task-b", 1, Now + Lease + TimeSpan.FromSeconds(1), Lease).Granted);
    }

    [Fact]
    public void A_lease_that_ran_out_frees_its_slot_for_another_task()
    {
        var (full, _) = EngineSlots.Empty.Acquire("task-a", 1, Now, Lease);

        Assert.False(full.Acquire("task-b", 1, Now + Lease - TimeSpan.FromMilliseconds(1), Lease).Granted);
        var (taken, granted) = full.Acquire("task-b", 1, Now + Lease, Lease);

        Assert.True(granted);
        Assert.Equal(["task-b"], taken.Leases.Keys); // The vanished holder lost it.
        Assert.Empty(full.Expire(Now + Lease).Leases);
        Assert.Same(full, full.Expire(Now)); // Nothing ran out: the same value, no write needed.
    }

    [Fact]
    public void Release_frees_the_slot_and_is_idempotent()
    {
        var (full, _) = EngineSlots.Empty.Acquire("task-a", 1, Now, Lease);

        var released = full.Release("task-a");

        Assert.Equal(0, released.Count);
        Assert.Same(released, released.Release("task-a"));
        Assert.True(released.Acquire("task-b", 1, Now, Lease).Granted);
    }

    [Fact]
    public void A_task_id_is_required() =>
        Assert.ThrowsAny<ArgumentException>(() => EngineSlots.Empty.Acquire("", 1, Now, Lease));
}
