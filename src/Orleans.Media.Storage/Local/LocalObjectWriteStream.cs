using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Streams into a temp file inside the bucket and renames it into place on <see cref="CompleteAsync"/>, so a
/// reader sees the previous object or the whole new one, never a partial file. Memory is one small buffer.
/// A key ending in '/' is a folder marker: it takes no bytes and completes by creating the folder.
/// ETag: MD5 hex when <c>computeMd5</c> (whole-object PUTs, where S3 clients may compare it with their own MD5);
/// otherwise an opaque random value with S3's multipart shape <c>&lt;hex&gt;-1</c>, which tools never mistake for an
/// MD5. Hashing every byte at a few hundred MiB/s would cost a core of the two that archive extraction needs.
/// </summary>
internal sealed class LocalObjectWriteStream : ObjectWriteStream
{
    private readonly LocalObjectStore _store;
    private readonly string _key;
    private readonly string _finalPath;
    private readonly string? _tempPath;
    private readonly FileStream? _file;
    private readonly IncrementalHash? _md5;
    private readonly string? _contentType;
    private long _length;
    private bool _completed;
    private bool _disposed;

    public LocalObjectWriteStream(LocalObjectStore store, string key, string finalPath, string? contentType, bool computeMd5)
    {
        _md5 = computeMd5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        _store = store;
        _key = key;
        _finalPath = finalPath;
        _contentType = contentType;
        if (!key.EndsWith('/'))
        {
            _tempPath = store.NewTempPath();
            _file = new FileStream(_tempPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 64 * 1024, // coalesces small writes; larger ones go straight to the file
            });
        }
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Writable(buffer.Length) is not { } file)
        {
            return;
        }

        file.Write(buffer);
        _md5?.AppendData(buffer);
        _length += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Writable(buffer.Length) is not { } file)
        {
            return;
        }

        await file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _md5?.AppendData(buffer.Span);
        _length += buffer.Length;
    }

    public override async Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The write was already completed.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_file is null)
        {
            Directory.CreateDirectory(_finalPath);
            _completed = true;
            return new ObjectInfo(_key, 0, null, Directory.GetLastWriteTimeUtc(_finalPath), _contentType);
        }

        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        var etag = _md5 is null
            ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "-1"
            : Convert.ToHexStringLower(_md5.GetHashAndReset());
        Directory.CreateDirectory(Path.GetDirectoryName(_finalPath)!);
        File.Move(_tempPath!, _finalPath, overwrite: true);
        _completed = true;
        LocalObjectAttributes.Save(_finalPath, etag, _contentType);
        return new ObjectInfo(_key, _length, etag, File.GetLastWriteTimeUtc(_finalPath), _contentType);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _file?.Dispose();
            _md5?.Dispose();
            if (!_completed)
            {
                _store.DeleteTemp(_tempPath);
                StorageLog.WriteAbandoned(_store.Logger, _store.Bucket, _key);
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The file to write <paramref name="count"/> bytes to, or null when there is nothing to write.</summary>
    private FileStream? Writable(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The write was already completed.");
        }

        if (_file is null && count > 0)
        {
            throw new InvalidOperationException($"'{_key}' is a folder marker (ends with '/') and cannot hold data.");
        }

        return count == 0 ? null : _file;
    }
}
