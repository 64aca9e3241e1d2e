using Orleans.Media.Runtime.Core;
using Orleans.Media.Runtime.Tests.Grains;

namespace Orleans.Media.Runtime.Tests.Core;

public sealed class BoundedGrainMapTests
{
    [Fact]
    public void Past_its_capacity_the_map_starts_over_and_replacing_or_removing_keeps_the_count_honest()
    {
        var map = new BoundedGrainMap(capacity: 3);
        var ids = Enumerable.Range(0, 4).Select(i => new GrainId("t", "k" + i)).ToArray();
        var grain = new JobSourceGrain();
        foreach (var id in ids[..3])
        {
            map.Set(id, grain);
        }

        // Replacing an entry and removing then re-adding one do not count as growth.
        map.Set(ids[0], grain);
        Assert.True(map.TryRemove(ids[1], out _));
        Assert.False(map.TryRemove(ids[1], out _));
        map.Set(ids[1], grain);
        Assert.All(ids[..3], id => Assert.True(map.TryGetValue(id, out _)));

        // The fourth distinct grain finds the map full: it is emptied, then holds only the newcomer.
        map.Set(ids[3], grain);
        Assert.True(map.TryGetValue(ids[3], out _));
        Assert.All(ids[..3], id => Assert.False(map.TryGetValue(id, out _)));
    }
}
