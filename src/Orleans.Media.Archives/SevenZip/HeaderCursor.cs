namespace Orleans.Media.Archives.SevenZip;

/// <summary>
/// A cursor over untrusted 7z header bytes with 7z's number, bit-vector and digest encodings. Every count it hands
/// out is bounded by the bytes left, so nothing allocated for a hostile count outgrows the header.
/// </summary>
internal struct HeaderCursor(byte[] data, int position)
{
    public int Position { readonly get; set; } = position;

    public readonly int Remaining => data.Length - Position;

    public byte Byte() => data[Position++];

    public ReadOnlySpan<byte> Bytes(int count)
    {
        var span = data.AsSpan(Position, count);
        Position += count;
        return span;
    }

    public uint UInt32()
    {
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));
        return value;
    }

    public long Int64() => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));

    /// <summary>Skips forward within the header; a size past its end (or one that wraps negative) is damage.</summary>
    public void Skip(ulong count) => Position = count <= (ulong)(data.Length - Position)
        ? Position + (int)count
        : throw new InvalidDataException($"7z skip of {count} bytes past the header");

    /// <summary>A non-negative size (7z numbers are unsigned 64-bit).</summary>
    public long Size() => Number() is var n && n <= long.MaxValue ? (long)n : throw new InvalidDataException($"7z size {n}");

    /// <summary>
    /// A count of items described in the header: never more than the rest of the header can describe at
    /// <paramref name="bitsPerItem"/> bits each, so no allocation outgrows it.
    /// </summary>
    public int Count(int bitsPerItem = 1) => CheckCount(Number(), bitsPerItem);

    public readonly int CheckCount(ulong count, int bitsPerItem) =>
        count <= (ulong)Math.Max(0, data.Length - Position) * 8 / (ulong)bitsPerItem
            ? (int)count
            : throw new InvalidDataException($"7z count {count} exceeds the header");

    /// <summary>7z's variable-length number: the leading 1 bits of the first byte count the bytes that follow.</summary>
    public ulong Number()
    {
        var first = Byte();
        byte mask = 0x80;
        ulong value = 0;
        for (var i = 0; i < 8; i++)
        {
            if ((first & mask) == 0)
            {
                return value | ((ulong)(first & (mask - 1)) << (8 * i));
            }

            value |= (ulong)Byte() << (8 * i);
            mask >>= 1;
        }

        return value;
    }

    /// <summary>A bit vector, most significant bit first.</summary>
    public bool[] Bits(int count)
    {
        var bits = new bool[CheckCount((ulong)count, 1)];
        byte current = 0;
        for (var i = 0; i < count; i++)
        {
            if (i % 8 == 0)
            {
                current = Byte();
            }

            bits[i] = (current & (0x80 >> (i % 8))) != 0;
        }

        return bits;
    }

    /// <summary>"All defined" byte or a bit vector: which of <paramref name="count"/> items follow, each of <paramref name="bitsPerItem"/> bits.</summary>
    public bool[] Defined(int count, int bitsPerItem) =>
        Byte() != 0 ? Enumerable.Repeat(true, CheckCount((ulong)count, bitsPerItem)).ToArray() : Bits(count);

    /// <summary>A defined vector, then a CRC-32 for each defined stream (null where undefined).</summary>
    public uint?[] Digests(int count)
    {
        // Counts here can come from sums of unbounded numbers: with all defined, each needs a 4-byte CRC.
        var defined = Defined(count, 32);
        var digests = new uint?[defined.Length];
        for (var i = 0; i < defined.Length; i++)
        {
            digests[i] = defined[i] ? UInt32() : null;
        }

        return digests;
    }
}
