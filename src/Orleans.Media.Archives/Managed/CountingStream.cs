namespace Orleans.Media.Archives.Managed;

/// <summary>
/// The source as SharpCompress sees it: counts bytes read (the ratio guard's input) and keeps the first exception
/// the source itself threw, so a storage failure is told apart from damage SharpCompress reports.
/// </summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    private long _bytesRead;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public Exception? Failure { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            var n = inner.Read(buffer);
            Interlocked.Add(ref _bytesRead, n);
            return n;
        }
        catch (Exception ex)
        {
            Failure ??= ex;
            throw;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        try
        {
            return inner.Seek(offset, origin);
        }
        catch (Exception ex)
        {
            Failure ??= ex;
            throw;
        }
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
