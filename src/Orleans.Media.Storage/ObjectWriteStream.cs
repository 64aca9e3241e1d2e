namespace Orleans.Media.Storage;

/// <summary>
/// A write-only stream into one object. Call <see cref="CompleteAsync"/> to make the object exist;
/// disposing first abandons the write and leaves no object (or a previous one) behind.
/// </summary>
public abstract class ObjectWriteStream : Stream
{
    public abstract Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken = default);

    public sealed override bool CanRead => false;

    public sealed override bool CanSeek => false;

    public sealed override bool CanWrite => true;

    public sealed override long Length => throw new NotSupportedException();

    public sealed override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
