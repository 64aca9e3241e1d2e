namespace Orleans.Media.Storage;

/// <summary>
/// A seekable read stream over one object; counts the bytes it fetched from the backend. The position, seeking and
/// the counters live here, once for every backend: a backend reads from <see cref="Position"/>, advances it with
/// <see cref="Advance"/> and reports its transfers with <see cref="CountRequest"/> and <see cref="CountFetched"/>.
/// A seek only moves the position; what it costs is the backend's next read to decide.
/// </summary>
public abstract class ObjectReadStream : Stream
{
    private long _position;
    private long _bytesFetched;
    private int _requestCount;

    protected ObjectReadStream(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    /// <summary>Bytes transferred from the backend so far (ranges fetched, including read-ahead).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    /// <summary>Range requests made so far.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>
    /// The open file behind a local-folder object; null for remote backends. A child process can read this very file
    /// (through <c>/proc/PID/fd/N</c>) without a copy, even if the object is replaced meanwhile. Owned by the stream.
    /// </summary>
    public virtual Microsoft.Win32.SafeHandles.SafeFileHandle? LocalFileHandle => null;

    public sealed override long Length { get; }

    public sealed override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public sealed override bool CanRead => true;

    public sealed override bool CanSeek => true;

    public sealed override bool CanWrite => false;

    /// <summary>Bytes between the position and the end (0 at or past the end).</summary>
    protected long Remaining => Math.Max(0, Length - _position);

    /// <summary>For <see cref="ObjectDisposedException"/> checks of reads and seeks.</summary>
    protected abstract bool IsDisposed { get; }

    /// <summary>Reads from <see cref="Position"/>; implementations call <see cref="Advance"/>.</summary>
    public abstract override int Read(Span<byte> buffer);

    /// <inheritdoc cref="Read(Span{byte})"/>
    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public sealed override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    public sealed override void Flush()
    {
    }

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Moves the position past <paramref name="count"/> bytes the backend handed to the reader.</summary>
    protected void Advance(int count) => _position += count;

    /// <summary>One request to the backend (a range GET, or a contiguous run of file reads).</summary>
    protected void CountRequest() => Interlocked.Increment(ref _requestCount);

    /// <summary><paramref name="count"/> bytes transferred from the backend.</summary>
    protected void CountFetched(long count) => Interlocked.Add(ref _bytesFetched, count);
}
