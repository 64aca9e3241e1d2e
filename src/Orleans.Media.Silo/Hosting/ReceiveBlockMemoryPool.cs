using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// Kestrel's memory pool with larger blocks. Kestrel's socket transport receives into one pool block per receive
/// call, 4 KiB by default, so a 6 GB presigned part upload costs 1.5 million receive calls (and as many zero-byte
/// waits); with 32 KiB blocks the same upload used about 40% less CPU on loopback. Free blocks kept for reuse are
/// capped (<paramref name="maxRetainedBytes"/>); the rest go back to the GC. Blocks in use are bounded by Kestrel's
/// own buffer limits per connection, as with its default pool.
/// </summary>
public sealed class ReceiveBlockMemoryPoolFactory(int blockSize, long maxRetainedBytes) : IMemoryPoolFactory<byte>
{
    /// <summary>Kestrel's own block size: below this a replacement pool gains nothing.</summary>
    public const int KestrelBlockSize = 4096;

    public int BlockSize { get; } = blockSize >= KestrelBlockSize
        ? blockSize
        : throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, $"A block has at least {KestrelBlockSize} bytes.");

    /// <summary>The pools made so far (one per listener and user of the factory): tests look at their use.</summary>
    internal ConcurrentQueue<ReceiveBlockMemoryPool> Pools { get; } = new();

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new ReceiveBlockMemoryPool(BlockSize, (int)Math.Max(0, maxRetainedBytes / BlockSize));
        Pools.Enqueue(pool);
        return pool;
    }
}

/// <summary>A pool of pinned blocks of one size that keeps at most <see cref="MaxRetainedBlocks"/> free blocks.</summary>
public sealed class ReceiveBlockMemoryPool(int blockSize, int maxRetainedBlocks) : MemoryPool<byte>
{
    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private volatile bool _disposed;

    public override int MaxBufferSize => blockSize;

    public int MaxRetainedBlocks => maxRetainedBlocks;

    /// <summary>Free blocks held for reuse now.</summary>
    public int RetainedBlocks => Volatile.Read(ref _freeCount);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, blockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Lease();
            return block;
        }

        // Pinned: sockets pin the memory of every receive, and a pinned-heap array costs no handle per call.
        return new Block(this, GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
        Volatile.Write(ref _freeCount, 0);
    }

    private void Return(Block block)
    {
        if (_disposed || Interlocked.Increment(ref _freeCount) > maxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }

        _free.Enqueue(block);
    }

    private sealed class Block(ReceiveBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private int _leased = 1;

        public Memory<byte> Memory => Volatile.Read(ref _leased) == 1 ? array : throw new ObjectDisposedException(nameof(Block));

        public void Lease() => Volatile.Write(ref _leased, 1);

        // Once per lease: a second Dispose must not put the block in the free list twice.
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _leased, 0) == 1)
            {
                pool.Return(this);
            }
        }
    }
}

public static class ReceiveBlockServiceCollectionExtensions
{
    /// <summary>Free blocks kept for reuse, at most: enough for a few dozen streaming uploads' pipes (1 MiB each at most).</summary>
    public const long MaxRetainedBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Kestrel's transports use blocks of <paramref name="blockKiB"/> KiB (<see cref="ReceiveBlockMemoryPool"/>);
    /// 4 keeps Kestrel's own pool. Registered after Kestrel's default, so this one is resolved.
    /// </summary>
    public static IServiceCollection AddKestrelReceiveBlocks(this IServiceCollection services, int blockKiB)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (blockKiB * 1024 > ReceiveBlockMemoryPoolFactory.KestrelBlockSize)
        {
            services.AddSingleton<IMemoryPoolFactory<byte>>(new ReceiveBlockMemoryPoolFactory(blockKiB * 1024, MaxRetainedBytes));
        }

        return services;
    }
}
