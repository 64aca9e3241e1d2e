namespace Orleans.Media.Storage;

/// <summary>
/// Reads exactly <c>length</c> bytes from a body: fails (before handing out the last byte) when the body ends early or
/// has more, so a streamed upload is aborted rather than completed with the wrong bytes.
/// </summary>
internal sealed class ExactLengthStream(Stream inner, long size) : Stream
{
    private readonly long _length = size;
    private readonly byte[] _probe = new byte[1];
    private long _left = size;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _length - _left;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_left == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        // Keep the last byte back until the body is known to end right after it.
        var want = (int)Math.Min(buffer.Length, _left);
        var n = await inner.ReadAsync(buffer[..want], cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw new IOException($"The body ended after {_length - _left} of {_length} bytes.");
        }

        if (n == _left && await inner.ReadAsync(_probe, cancellationToken).ConfigureAwait(false) > 0)
        {
            throw new IOException($"The body is longer than the {_length} bytes announced.");
        }

        _left -= n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
