using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Storage.Tests;

public sealed class MultipartPlanTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Parts_but_the_last_have_the_rounded_up_size()
    {
        var plan = MultipartPlan.Create((100 * 6 * MiB) + 7, 100);

        Assert.Equal((6 * MiB) + 1, plan.PartSize);
        Assert.Equal(plan.TotalSize, Enumerable.Range(1, 100).Sum(plan.SizeOf));
        Assert.True(plan.SizeOf(100) <= plan.PartSize);
    }

    [Theory]
    [InlineData(10 * MiB, 3)] // parts under 5 MiB
    [InlineData(100, 0)]
    [InlineData(100, 10_001)]
    [InlineData(2, 3)] // fewer bytes than parts
    public void Declarations_s3_cannot_hold_are_refused(long total, int parts) =>
        Assert.ThrowsAny<ArgumentException>(() => MultipartPlan.Create(total, parts));

    [Fact]
    public void A_single_part_may_be_small()
    {
        var plan = MultipartPlan.Create(10, 1);
        Assert.Equal(10, plan.SizeOf(1));
    }
}
