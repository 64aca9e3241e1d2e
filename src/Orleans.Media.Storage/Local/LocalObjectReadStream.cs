using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Positional reads over an open file. The handle pins the object as it was when opened: a concurrent overwrite
/// renames a new file into place and this reader keeps the old one.
/// <see cref="RequestCount"/> counts contiguous runs (the first read and every read after a seek), the local
/// equivalent of a range request.
/// </summary>
internal sealed class LocalObjectReadStream : ObjectReadStream
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;
    private long _position;
    private long _nextContiguous = -1;
    private long _bytesFetched;
    private int _requestCount;

    public LocalObjectReadStream(SafeFileHandle handle, long length)
    {
        _handle = handle;
        _length = length;
    }

    public override long BytesFetched => Interlocked.Read(ref _bytesFetched);

    public override int RequestCount => Volatile.Read(ref _requestCount);

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_position >= _length || buffer.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length > _length - _position)
        {
            buffer = buffer[..(int)(_length - _position)];
        }

        if (_position != _nextContiguous)
        {
            Interlocked.Increment(ref _requestCount);
        }

        var n = RandomAccess.Read(_handle, buffer, _position);
        _position += n;
        _nextContiguous = _position;
        Interlocked.Add(ref _bytesFetched, n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Reads of a local file complete synchronously on Linux anyway; avoid the thread-pool hop.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
