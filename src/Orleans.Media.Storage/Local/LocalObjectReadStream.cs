using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Positional reads over an open file. The handle pins the object as it was when opened: a concurrent overwrite
/// renames a new file into place and this reader keeps the old one.
/// <see cref="ObjectReadStream.RequestCount"/> counts contiguous runs (the first read and every read after a seek),
/// the local equivalent of a range request.
/// </summary>
internal sealed class LocalObjectReadStream(SafeFileHandle handle, long length) : ObjectReadStream(length)
{
    private long _nextContiguous = -1;

    protected override bool IsDisposed => handle.IsClosed;

    public override SafeFileHandle? LocalFileHandle => handle;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length > Remaining)
        {
            buffer = buffer[..(int)Remaining];
        }

        if (Position != _nextContiguous)
        {
            CountRequest();
        }

        var n = RandomAccess.Read(handle, buffer, Position);
        Advance(n);
        _nextContiguous = Position;
        CountFetched(n);
        return n;
    }

    // Reads of a local file complete synchronously on Linux anyway; avoid the thread-pool hop.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
