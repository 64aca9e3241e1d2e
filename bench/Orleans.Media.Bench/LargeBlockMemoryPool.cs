using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Orleans.Media.Bench;

/// <summary>
/// An experiment, off unless ORLEANSMEDIA_BENCH_KESTREL_BLOCK_KIB is set: Kestrel's sockets transport receives into
/// blocks of its memory pool (4 KiB by default), one recv call per block; larger blocks mean fewer, larger receives.
/// </summary>
public sealed class LargeBlockMemoryPoolFactory(int blockSize) : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool(blockSize);

    private sealed class LargeBlockMemoryPool(int blockSize) : MemoryPool<byte>
    {
        private readonly ConcurrentBag<byte[]> _free = [];

        public override int MaxBufferSize => blockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, blockSize);
            return new Block(this, _free.TryTake(out var array) ? array : GC.AllocateUninitializedArray<byte>(blockSize, pinned: true));
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(LargeBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
        {
            private byte[]? _array = array;

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _array, null) is { } a)
                {
                    pool._free.Add(a);
                }
            }
        }
    }
}
