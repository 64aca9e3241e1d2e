using Orleans.Media.Grains;
using Orleans.Media.Silo.Api.Imm;

namespace Orleans.Media.Silo.Tests.Protocols;

/// <summary>
/// What ListTasks' <c>Sort</c> orders by. Task ids follow creation (version-7 UUIDs), so an end-to-end listing cannot
/// tell a time sort from an id sort; the mapping is pinned here, and QueryConformanceTests shows a state path sorts
/// by its values.
/// </summary>
public sealed class ListTasksSortTests
{
    [Theory]
    [InlineData("StartTime", "StartTimeMs")]
    [InlineData("EndTime", "EndTimeMs")]
    [InlineData("TaskId", null)]
    public void Each_sort_orders_by_its_own_field(string sort, string? path) =>
        Assert.Equal(path, ImmTasksApi.SortPath(sort));

    [Theory]
    [InlineData("CreateTime")]
    [InlineData("starttime")]
    public void Any_other_sort_is_an_invalid_argument(string sort)
    {
        var e = Assert.Throws<ServiceException>(() => ImmTasksApi.SortPath(sort));
        Assert.Equal("InvalidArgument", e.Code);
    }
}
