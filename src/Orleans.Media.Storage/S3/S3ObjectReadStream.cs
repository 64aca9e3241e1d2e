using System.Buffers;
using Amazon.S3;
using Amazon.S3.Model;

namespace Orleans.Media.Storage.S3;

/// <summary>
/// Ranged reads with adaptive read-ahead. After a seek (or at open) one small range is fetched, so random access
/// (a zip's central directory, a selected entry) transfers little. Each further sequential window doubles up to
/// <see cref="ReadOptions.ReadAheadBytes"/> and the next windows are fetched in the background while the consumer
/// reads the current one: two ranges in flight hide the per-request latency, which on s3rver costs as much as the
/// transfer. Memory: at most three windows. Reads pin the ETag seen at open (If-Match), so an object replaced
/// mid-read fails loudly instead of mixing two versions.
/// </summary>
internal sealed class S3ObjectReadStream : ObjectReadStream
{
    private const int InitialWindow = 64 * 1024;

    /// <summary>Attempts per window when the connection breaks mid-body.</summary>
    private const int MaxAttempts = 3;

    /// <summary>Windows fetched ahead of the one being read, during a sequential scan.</summary>
    private const int PrefetchDepth = 2;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _key;
    private readonly string? _etag;
    private readonly int _readAhead;
    private readonly CancellationTokenSource _disposed = new();
    private Window? _current;
    private readonly Queue<Prefetch> _ahead = new();
    private int _nextWindow;

    public S3ObjectReadStream(IAmazonS3 client, string bucket, string key, long length, string? etag, int readAhead)
        : base(length)
    {
        _client = client;
        _bucket = bucket;
        _key = key;
        _etag = etag;
        _readAhead = Math.Max(readAhead, InitialWindow);
        _nextWindow = InitialWindow;
    }

    protected override bool IsDisposed => _disposed.IsCancellationRequested;

    // Native callers (libarchive) read synchronously; the SDK is async-only, so a miss blocks on the fetch.
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (buffer.IsEmpty || Remaining == 0)
        {
            return 0;
        }

        if (!CurrentHolds(Position))
        {
            MoveToPositionAsync(buffer.Length, CancellationToken.None).GetAwaiter().GetResult();
        }

        return CopyFromCurrent(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (buffer.IsEmpty || Remaining == 0)
        {
            return 0;
        }

        if (!CurrentHolds(Position))
        {
            await MoveToPositionAsync(buffer.Length, cancellationToken).ConfigureAwait(false);
        }

        return CopyFromCurrent(buffer.Span);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            DiscardAhead();
            Release(_current);
            _current = null;
            _disposed.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool CurrentHolds(long position) =>
        _current is { } w && position >= w.Start && position < w.End;

    private int CopyFromCurrent(Span<byte> destination)
    {
        var w = _current!;
        var offset = (int)(Position - w.Start);
        var n = Math.Min(destination.Length, w.Count - offset);
        w.Buffer.AsSpan(offset, n).CopyTo(destination);
        Advance(n);
        return n;
    }

    private async Task MoveToPositionAsync(int wanted, CancellationToken cancellationToken)
    {
        var sequential = _current is not null && Position == _current.End;

        // Windows skipped over entirely (a reader jumping past an entry's data) are of no use any more.
        while (_ahead.TryPeek(out var passed) && passed.End <= Position)
        {
            Discard(_ahead.Dequeue());
        }

        Window window;
        if (_ahead.TryPeek(out var next) && Position >= next.Start)
        {
            _ahead.Dequeue();
            window = await next.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            next.Cancel.Dispose();
            sequential = true;
        }
        else
        {
            DiscardAhead();

            // After a seek: one range just big enough for this read; read-ahead restarts small.
            var size = sequential ? _nextWindow : Math.Min(Math.Max(InitialWindow, wanted), _readAhead);
            window = await FetchAsync(Position, size, cancellationToken).ConfigureAwait(false);
            _nextWindow = (int)Math.Min((long)size * 2, _readAhead);
        }

        Release(_current);
        _current = window;
        if (sequential)
        {
            FillAhead();
        }
    }

    private void FillAhead()
    {
        var start = _ahead.Count > 0 ? _ahead.Last().End : _current!.End;
        while (_ahead.Count < PrefetchDepth && start < Length)
        {
            var size = _nextWindow;
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
            var end = Math.Min(start + size, Length);
            _ahead.Enqueue(new Prefetch(start, end, FetchAsync(start, size, cancel.Token), cancel));
            _nextWindow = (int)Math.Min((long)size * 2, _readAhead);
            start = end;
        }
    }

    private void DiscardAhead()
    {
        while (_ahead.TryDequeue(out var prefetch))
        {
            Discard(prefetch);
        }
    }

    private static void Discard(Prefetch prefetch)
    {
        prefetch.Cancel.Cancel();
        // Its buffer goes back to the pool once the fetch has stopped writing into it.
        _ = prefetch.Task.ContinueWith(
            static (t, state) =>
            {
                ((CancellationTokenSource)state!).Dispose();
                if (t.IsCompletedSuccessfully)
                {
                    Release(t.Result);
                }
                else
                {
                    _ = t.Exception; // observed: a cancelled read-ahead is not an error
                }
            },
            prefetch.Cancel,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task<Window> FetchAsync(long start, int size, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(size, Length - start);
        var buffer = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            var filled = 0;
            for (var attempt = 1; filled < count; attempt++)
            {
                try
                {
                    filled += await FetchIntoAsync(start + filled, buffer.AsMemory(filled, count - filled), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (attempt < MaxAttempts && IsTransient(e) && !cancellationToken.IsCancellationRequested)
                {
                    // The SDK retries failed requests, not a body cut mid-transfer: resume from what arrived.
                }
            }

            return new Window(start, buffer, count);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new IOException($"s3 {_bucket}/{_key} was replaced while it was being read.", e);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>One range request into <paramref name="destination"/>; returns the bytes that arrived (all, unless the body was cut).</summary>
    private async Task<int> FetchIntoAsync(long start, Memory<byte> destination, CancellationToken cancellationToken)
    {
        CountRequest();
        var request = new GetObjectRequest
        {
            BucketName = _bucket,
            Key = _key,
            ByteRange = new ByteRange(start, start + destination.Length - 1),
            EtagToMatch = _etag is null ? null : $"\"{_etag}\"",
        };
        using var response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        var filled = 0;
        while (filled < destination.Length)
        {
            var n = await response.ResponseStream.ReadAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException($"s3 {_bucket}/{_key}: range at {start} ended after {filled} of {destination.Length} bytes.");
            }

            filled += n;
            CountFetched(n);
        }

        return filled;
    }

    private static bool IsTransient(Exception e) => e is IOException or HttpRequestException;

    private static void Release(Window? window)
    {
        if (window is not null)
        {
            ArrayPool<byte>.Shared.Return(window.Buffer);
        }
    }

    private sealed record Prefetch(long Start, long End, Task<Window> Task, CancellationTokenSource Cancel);

    private sealed record Window(long Start, byte[] Buffer, int Count)
    {
        public long End => Start + Count;
    }
}
