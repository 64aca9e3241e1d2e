namespace Orleans.Media.Storage;

/// <summary>A seekable read stream over one object; counts the bytes it fetched from the backend.</summary>
public abstract class ObjectReadStream : Stream
{
    /// <summary>Bytes transferred from the backend so far (ranges fetched, including read-ahead).</summary>
    public abstract long BytesFetched { get; }

    /// <summary>Range requests made so far.</summary>
    public abstract int RequestCount { get; }

    public sealed override bool CanRead => true;

    public sealed override bool CanSeek => true;

    public sealed override bool CanWrite => false;

    public sealed override void Flush()
    {
    }

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
