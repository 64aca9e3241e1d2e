using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Streams into an unnamed file in the object's folder (or a temp file inside the bucket) and links or renames it
/// into place on <see cref="CompleteAsync"/>, so a reader sees the previous object or the whole new one, never a
/// partial file (<see cref="LocalObjectStore.CreateObjectFile"/>). Memory is one pooled buffer of
/// <see cref="BufferBytes"/>.
/// A key ending in '/' is a folder marker: it takes no bytes and completes by creating the folder.
/// ETag: MD5 hex when <c>computeMd5</c> (whole-object PUTs, where S3 clients may compare it with their own MD5);
/// otherwise an opaque unique value with S3's multipart shape <c>&lt;hex&gt;-1</c>, which tools never mistake for an
/// MD5. Hashing every byte at a few hundred MiB/s would cost a core of the two that archive extraction needs.
/// <para>
/// Small objects are the common case of archive extraction (tens of thousands of files of a few KB), so their
/// cost is kept to the system calls that cannot be avoided: the data waits in the buffer and the temp file is
/// created only at completion (or when the buffer overflows), written with one call, tagged through its handle
/// and linked into place. Writes are synchronous: a write into the page cache takes microseconds, and .NET's asynchronous
/// file I/O on Unix would only run the same call on another pool thread after a hop.
/// </para>
/// </summary>
internal sealed class LocalObjectWriteStream : ObjectWriteStream
{
    /// <summary>Objects up to this size are written with one call; larger ones stream through a buffer this big.</summary>
    internal const int BufferBytes = 64 * 1024;

    private readonly LocalObjectStore _store;
    private readonly string _key;
    private readonly string _finalPath;
    private readonly bool _isFolder;
    private readonly IncrementalHash? _md5;
    private readonly string? _contentType;
    private readonly byte[]? _expectedMd5;
    private byte[]? _buffer;
    private int _buffered;
    private SafeFileHandle? _file;
    private string? _tempPath;
    private long _fileLength;
    private bool _completed;
    private bool _disposed;

    public LocalObjectWriteStream(LocalObjectStore store, string key, string finalPath, string? contentType, bool computeMd5, byte[]? expectedMd5 = null)
    {
        _md5 = computeMd5 || expectedMd5 is not null ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        _expectedMd5 = expectedMd5;
        _store = store;
        _key = key;
        _finalPath = finalPath;
        _contentType = contentType;
        _isFolder = key.EndsWith('/');
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable(buffer.Length);
        if (buffer.IsEmpty)
        {
            return;
        }

        _md5?.AppendData(buffer);
        if (_buffered + buffer.Length <= BufferBytes)
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(BufferBytes);
            buffer.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += buffer.Length;
            return;
        }

        // Beyond the buffer: what is buffered goes first, then a large write goes straight to the file
        // and a small one starts the next buffer.
        FlushBuffer();
        if (buffer.Length >= BufferBytes)
        {
            WriteToFile(buffer);
        }
        else
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(BufferBytes);
            buffer.CopyTo(_buffer);
            _buffered = buffer.Length;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The write was already completed.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_isFolder)
        {
            Directory.CreateDirectory(_finalPath);
            _completed = true;
            return Task.FromResult(new ObjectInfo(_key, 0, null, Directory.GetLastWriteTimeUtc(_finalPath), _contentType));
        }

        FlushBuffer();
        var file = _file ?? OpenTemp(); // an empty object still gets its (empty) file
        var lastWrite = File.GetLastWriteTimeUtc(file);
        var md5 = _md5?.GetHashAndReset();
        if (_expectedMd5 is not null && !md5.AsSpan().SequenceEqual(_expectedMd5))
        {
            // Not published: disposing removes the file, the previous object (if any) stays.
            throw new ContentDigestMismatchException(_store.Bucket, _key);
        }

        var etag = md5 is null ? _store.NextOpaqueETag() : Convert.ToHexStringLower(md5);
        LocalObjectAttributes.Save(file, _fileLength, lastWrite, etag, _contentType);
        _store.Publish(file, _tempPath, _key, _finalPath);
        _completed = true;
        return Task.FromResult(new ObjectInfo(_key, _fileLength, etag, lastWrite, _contentType));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _file?.Dispose();
            _md5?.Dispose();
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }

            if (!_completed)
            {
                _store.DeleteTemp(_tempPath);
                StorageLog.WriteAbandoned(_store.Logger, _store.Bucket, _key);
            }
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private void FlushBuffer()
    {
        if (_buffered > 0)
        {
            WriteToFile(_buffer.AsSpan(0, _buffered));
            _buffered = 0;
        }
    }

    private void WriteToFile(ReadOnlySpan<byte> data)
    {
        var file = _file ?? OpenTemp();
        PosixFiles.Write(file, data, _fileLength);
        _fileLength += data.Length;
    }

    private SafeFileHandle OpenTemp()
    {
        var (file, tempPath) = _store.CreateObjectFile(_finalPath);
        (_file, _tempPath) = (file, tempPath);
        return file;
    }

    private void EnsureWritable(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The write was already completed.");
        }

        if (_isFolder && count > 0)
        {
            throw new InvalidOperationException($"'{_key}' is a folder marker (ends with '/') and cannot hold data.");
        }
    }
}
