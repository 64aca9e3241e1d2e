using Orleans.Media.Silo.Hosting;

namespace Orleans.Media.Silo.Tests.Storage;

public sealed class ReceiveBlockMemoryPoolTests
{
    [Fact]
    public void A_returned_block_is_reused_and_the_free_list_stays_within_its_cap()
    {
        using var pool = (ReceiveBlockMemoryPool)new ReceiveBlockMemoryPoolFactory(32 * 1024, 2 * 32 * 1024).Create();
        var blocks = Enumerable.Range(0, 4).Select(_ => pool.Rent()).ToArray();
        Assert.All(blocks, b => Assert.Equal(32 * 1024, b.Memory.Length));
        var first = blocks[0].Memory;

        foreach (var block in blocks)
        {
            block.Dispose();
        }

        Assert.Equal(2, pool.RetainedBlocks);
        using var again = pool.Rent(4096);
        Assert.True(again.Memory.Span.Overlaps(first.Span));
        Assert.Equal(1, pool.RetainedBlocks);
    }

    [Fact]
    public void A_block_disposed_twice_is_returned_once()
    {
        using var pool = (ReceiveBlockMemoryPool)new ReceiveBlockMemoryPoolFactory(8192, 1024 * 1024).Create();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        Assert.Equal(1, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => block.Memory);
        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.False(a.Memory.Span.Overlaps(b.Memory.Span));
    }

    [Fact]
    public void More_than_a_block_or_a_block_under_kestrels_size_is_refused()
    {
        using var pool = new ReceiveBlockMemoryPoolFactory(8192, 0).Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(8193));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReceiveBlockMemoryPoolFactory(2048, 0));
    }
}
