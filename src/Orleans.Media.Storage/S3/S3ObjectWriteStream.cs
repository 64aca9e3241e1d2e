using System.Buffers;
using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;

namespace Orleans.Media.Storage.S3;

/// <summary>
/// A write of unknown length: bytes fill a pooled part buffer; an object that fits in one part is a single PUT at
/// <see cref="CompleteAsync"/>, a larger one becomes a multipart upload with up to MaxPartsInFlight parts uploading
/// while the writer fills the next buffer. Memory is bounded by PartSize * (MaxPartsInFlight + 1).
/// Every body goes to the SDK as a seekable MemoryStream with chunk encoding off: anything else is sent
/// aws-chunked, which some servers (s3rver) store verbatim. The SDK's extra MD5 pass over each body is off: the
/// SigV4 payload hash already covers the bytes, and on two cores a third pass over every byte costs throughput.
/// </summary>
internal sealed class S3ObjectWriteStream : ObjectWriteStream
{
    private const int InitialBufferSize = 64 * 1024;

    private readonly S3ObjectStore _store;
    private readonly string _key;
    private readonly int _partSize;
    private readonly string? _contentType;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _uploads = [];
    private readonly ConcurrentDictionary<int, string> _etags = new();
    private byte[]? _buffer;
    private int _filled;
    private long _length;
    private int _nextPart = 1;
    private string? _uploadId;
    private Exception? _failure;
    private bool _completed;
    private bool _disposed;

    public S3ObjectWriteStream(S3ObjectStore store, string key, WriteOptions options)
    {
        if (options.PartSizeBytes < S3ObjectStore.MinPartSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PartSizeBytes, $"S3 parts are at least {S3ObjectStore.MinPartSize} bytes.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPartsInFlight, 1, nameof(options));
        _store = store;
        _key = key;
        _partSize = options.PartSizeBytes;
        _contentType = options.ContentType;
        _slots = new SemaphoreSlim(options.MaxPartsInFlight, options.MaxPartsInFlight);
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        ThrowIfUnwritable();
        while (!data.IsEmpty)
        {
            var n = Fill(data);
            data = data[n..];
            if (_filled == _partSize)
            {
                ShipPartAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfUnwritable();
        while (!data.IsEmpty)
        {
            var n = Fill(data.Span);
            data = data[n..];
            if (_filled == _partSize)
            {
                await ShipPartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task<ObjectInfo> CompleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnwritable();
        string? etag;
        if (_uploadId is null)
        {
            using var body = new MemoryStream(_buffer ?? [], 0, _filled, writable: false);
            var response = await _store.Client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = _store.Bucket,
                    Key = _key,
                    InputStream = body,
                    ContentType = _contentType,
                    UseChunkEncoding = false,
                    DisableDefaultChecksumValidation = true,
                    AutoCloseStream = false,
                },
                cancellationToken).ConfigureAwait(false);
            etag = response.ETag;
        }
        else
        {
            if (_filled > 0)
            {
                await ShipPartAsync(cancellationToken).ConfigureAwait(false);
            }

            await Task.WhenAll(_uploads).ConfigureAwait(false);
            ThrowIfFailed();
            var response = await _store.Client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest
                {
                    BucketName = _store.Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartETags = _etags.OrderBy(p => p.Key).Select(p => new PartETag(p.Key, p.Value)).ToList(),
                },
                cancellationToken).ConfigureAwait(false);
            etag = response.ETag;
        }

        _completed = true;
        ReturnBuffer();
        return new ObjectInfo(_key, _length, S3Clients.Bare(etag), DateTimeOffset.UtcNow, _contentType);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_completed)
        {
            _abort.Cancel();
            try
            {
                await Task.WhenAll(_uploads).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The parts are being thrown away; their failures (mostly cancellations) do not matter.
            }

            if (_uploadId is not null)
            {
                await _store.AbortQuietlyAsync(_key, _uploadId).ConfigureAwait(false);
            }

            StorageLog.WriteAbandoned(_store.Logger, _store.Bucket, _key);
        }

        ReturnBuffer();
        _abort.Dispose();
        _slots.Dispose();
        GC.SuppressFinalize(this);
    }

    private int Fill(ReadOnlySpan<byte> data)
    {
        var want = Math.Min(_partSize, _filled + data.Length);
        if (_buffer is null || (_buffer.Length < want && _buffer.Length < _partSize))
        {
            Grow(want);
        }

        var n = Math.Min(Math.Min(_partSize, _buffer!.Length) - _filled, data.Length);
        data[..n].CopyTo(_buffer.AsSpan(_filled));
        _filled += n;
        _length += n;
        return n;
    }

    // Buffers start small and double up to the part size: many concurrent small objects (archive entries) must
    // not each pin a whole part buffer. The copies on growth touch each byte of the first part at most once more.
    private void Grow(int want)
    {
        var size = Math.Max(InitialBufferSize, _buffer?.Length ?? 0);
        while (size < want)
        {
            size = (int)Math.Min((long)size * 2, _partSize);
        }

        var bigger = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _filled).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }

    private async Task ShipPartAsync(CancellationToken cancellationToken)
    {
        _uploadId ??= await _store.InitiateMultipartAsync(_key, _contentType, cancellationToken).ConfigureAwait(false);

        // Wait for a free slot while holding the full buffer: this is what bounds memory.
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfFailed();
        var buffer = _buffer!;
        var count = _filled;
        var partNumber = _nextPart++;
        _buffer = null;
        _filled = 0;
        _uploads.Add(UploadPartAsync(buffer, count, partNumber));
    }

    private async Task UploadPartAsync(byte[] buffer, int count, int partNumber)
    {
        try
        {
            using var body = new MemoryStream(buffer, 0, count, writable: false);
            var response = await _store.Client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = _store.Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartNumber = partNumber,
                    InputStream = body,
                    PartSize = count,
                    UseChunkEncoding = false,
                    DisableDefaultChecksumValidation = true,
                },
                _abort.Token).ConfigureAwait(false);
            _etags[partNumber] = S3Clients.Bare(response.ETag)!;
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _slots.Release();
        }
    }

    private void ThrowIfUnwritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The write was already completed.");
        }

        ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new IOException($"Uploading a part of {_store.Bucket}/{_key} failed: {failure.Message}", failure);
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
