using System.Buffers.Binary;

namespace Orleans.Media.Archives.Zip;

/// <summary>
/// A read-only view that is itself a valid zip holding only some entries of a source zip: each chosen entry's
/// bytes (local header, data, data descriptor) mapped 1:1 from the source, then a central directory of just those
/// records with their offsets rewritten. libarchive reads it like any zip, so extracting three entries from a
/// 2,000-entry archive fetches the directory and those three ranges — not every entry's local header.
/// </summary>
internal sealed class ZipSubsetStream : Stream
{
    private readonly Stream _source;
    private readonly List<Segment> _segments = [];
    private long _length;
    private long _position;

    private ZipSubsetStream(Stream source) => _source = source;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    /// <summary>
    /// Builds the view. <paramref name="entries"/> are all directory records; <paramref name="include"/> picks the
    /// ones to keep. Returns the view and, per kept entry in the view's order, its rank in the source's
    /// local-header order (the index a full extraction would give it).
    /// </summary>
    public static (ZipSubsetStream Stream, int[] SourceIndex) Create(Stream source, ZipDirectory directory, IReadOnlyList<ZipDirectoryEntry> entries, Func<ZipDirectoryEntry, bool> include)
    {
        var view = new ZipSubsetStream(source);
        var byOffset = entries.OrderBy(e => e.LocalHeaderOffset).ToList();
        var kept = new List<(ZipDirectoryEntry Entry, long NewOffset)>();
        var sourceIndex = new List<int>();
        for (var i = 0; i < byOffset.Count; i++)
        {
            var e = byOffset[i];
            if (!include(e))
            {
                continue;
            }

            var end = i + 1 < byOffset.Count ? byOffset[i + 1].LocalHeaderOffset : directory.Offset;
            kept.Add((e, view._length));
            sourceIndex.Add(i);
            view.Add(new Segment(view._length, end - e.LocalHeaderOffset, e.LocalHeaderOffset, null));
        }

        var cdOffset = view._length;
        using var cd = new MemoryStream();
        foreach (var (e, newOffset) in kept)
        {
            var record = directory.Raw.AsSpan(e.RecordOffset, e.RecordLength).ToArray();
            if (e.Zip64OffsetField >= 0)
            {
                BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(e.Zip64OffsetField), newOffset);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(42), checked((uint)newOffset));
            }

            cd.Write(record);
        }

        var cdSize = cd.Length;
        var needZip64 = kept.Count >= 0xFFFF || cdOffset >= uint.MaxValue || cdSize >= uint.MaxValue;
        if (needZip64)
        {
            var zip64EocdOffset = cdOffset + cdSize;
            Span<byte> rec = stackalloc byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(rec, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(rec[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(rec[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(rec[14..], 45);
            BinaryPrimitives.WriteInt64LittleEndian(rec[24..], kept.Count);
            BinaryPrimitives.WriteInt64LittleEndian(rec[32..], kept.Count);
            BinaryPrimitives.WriteInt64LittleEndian(rec[40..], cdSize);
            BinaryPrimitives.WriteInt64LittleEndian(rec[48..], cdOffset);
            cd.Write(rec);
            Span<byte> locator = stackalloc byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(locator[8..], zip64EocdOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
            cd.Write(locator);
        }

        Span<byte> eocd = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(eocd, 0x06054b50);
        var count16 = (ushort)Math.Min(kept.Count, 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd[8..], count16);
        BinaryPrimitives.WriteUInt16LittleEndian(eocd[10..], count16);
        BinaryPrimitives.WriteUInt32LittleEndian(eocd[12..], (uint)Math.Min(cdSize, uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(eocd[16..], (uint)Math.Min(cdOffset, uint.MaxValue));
        cd.Write(eocd);
        view.Add(new Segment(view._length, cd.Length, 0, cd.ToArray()));
        return (view, sourceIndex.ToArray());
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _length || buffer.IsEmpty)
        {
            return 0;
        }

        var segment = Find(_position);
        var within = _position - segment.Start;
        var n = (int)Math.Min(buffer.Length, segment.Length - within);
        if (segment.Bytes is { } bytes)
        {
            bytes.AsSpan((int)within, n).CopyTo(buffer);
        }
        else
        {
            var target = segment.SourceOffset + within;
            if (_source.Position != target)
            {
                _source.Seek(target, SeekOrigin.Begin);
            }

            n = _source.Read(buffer[..n]);
            if (n == 0)
            {
                throw new EndOfStreamException("The source zip ended inside an entry's byte range.");
            }
        }

        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Add(Segment s)
    {
        if (s.Length > 0)
        {
            _segments.Add(s);
            _length += s.Length;
        }
    }

    private Segment Find(long position)
    {
        int lo = 0, hi = _segments.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_segments[mid].Start <= position)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _segments[lo];
    }

    private sealed record Segment(long Start, long Length, long SourceOffset, byte[]? Bytes);
}
