using System.Globalization;
using System.Text.RegularExpressions;
using Orleans.Media.Silo.Api.Imm;

namespace Orleans.Media.Silo.Tests.Protocols;

public sealed partial class TaskIdsTests
{
    [GeneratedRegex("^FileUncompression-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex VersionSevenTaskId();

    [Fact]
    public void A_task_id_is_the_vendors_shape_with_a_version_7_uuid_carrying_its_creation_time()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = TaskIds.NewTaskId("FileUncompression");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Matches(VersionSevenTaskId(), id);
        var hex = id["FileUncompression-".Length..].Replace("-", "", StringComparison.Ordinal)[..12];
        var created = long.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.InRange(created, before, after);
    }

    [Fact]
    public void Task_ids_created_in_later_milliseconds_sort_after_earlier_ones()
    {
        // The listing and state indexes rely on ids growing with time (each insert at the B-trees' right edge).
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(TaskIds.NewTaskId("FileUncompression"));
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= now)
            {
                Thread.SpinWait(100); // the next id in a later millisecond
            }
        }

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }
}
