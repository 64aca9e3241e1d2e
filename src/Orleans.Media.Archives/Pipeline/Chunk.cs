using System.Buffers;

namespace Orleans.Media.Archives.Pipeline;

/// <summary>A pooled buffer of decoded bytes on its way to storage; the consumer returns it.</summary>
internal readonly record struct Chunk(byte[] Buffer, int Length)
{
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
