using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Orleans.Media.Archives.Native;
using Orleans.Media.Archives.Zip;

namespace Orleans.Media.Archives.Pipeline;

/// <summary>
/// Parallel zip decoding. A zip's entries are independent: from the central directory each decoder thread claims the
/// next entry in local-header order (libarchive's order, so indices and checkpoints are the same), reads that entry's
/// span through its own source stream and inflates it with the runtime's zlib. Objects are still completed in archive
/// order (<see cref="EntryUpload.After"/>): a corrupt entry ends the run exactly as sequential decoding does, with every
/// entry before it written and none after it.
/// </summary>
internal sealed partial class ExtractionRun
{
    private readonly Lock _claimLock = new();
    private int _reportThrough = int.MaxValue;
    private readonly System.Runtime.CompilerServices.StrongBox<long> _parallelSourceBytes = new();
    private (int Index, ArchiveError Error)? _parallelError;

    /// <summary>
    /// The entries in local-header order when the zip can be decoded in parallel: only stored and deflated entries, none
    /// encrypted or a link (libarchive keeps those), spans inside the archive, and enough data for threads to pay off.
    /// </summary>
    private List<ZipDirectoryEntry>? ParallelZipOrder(ArchivePlan plan, List<PlannedEntry> wanted)
    {
        if (plan.Zip is not { } zip || _openSource is null || _options.MaxDecodeThreads < 2 || plan.ZipEntries.Count == 0)
        {
            return null;
        }

        var order = plan.ZipEntries.OrderBy(e => e.LocalHeaderOffset).ToList();
        var size = wanted.Sum(e => e.Size);
        var packed = wanted.Sum(e => e.PackedSize);
        if (size < _options.ParallelZipMinBytes || packed < 16L * 1024 * wanted.Count(e => !e.IsFolder))
        {
            return null; // many small entries: the store, not inflate, is the cost, and sequential reads stay cheaper
        }

        foreach (var e in order)
        {
            if (e.IsEncrypted || e.IsSymbolicLink || e.Method is not (0 or 8) || e.LocalHeaderOffset < 0 || e.LocalHeaderOffset + 30 + e.CompressedSize > zip.Offset)
            {
                return null;
            }
        }

        return order;
    }

    private ArchiveError? DecodeZipInParallel(List<ZipDirectoryEntry> order)
    {
        _decoder = ArchiveDecoder.ParallelZip;
        var next = 0;
        Task<bool> previous = Task.FromResult(true);
        var threads = new Thread[Math.Min(_options.MaxDecodeThreads, Math.Max(1, order.Count))];
        var failures = new Exception?[threads.Length];
        Log.ParallelZip(_logger, order.Count, threads.Length, _target.Prefix.ToString());
        for (var t = 0; t < threads.Length; t++)
        {
            var slot = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    using var source = _openSource!();
                    var buffer = new RangeBuffer(source, _parallelSourceBytes);
                    while (true)
                    {
                        int index;
                        ZipDirectoryEntry entry;
                        EntryUpload? upload;
                        lock (_claimLock)
                        {
                            if (next >= order.Count || next > _reportThrough || Token.IsCancellationRequested)
                            {
                                return;
                            }

                            index = next++;
                            entry = order[index];

                            // Claimed and posted under one lock, so uploads queue in archive order and the earliest
                            // unfinished entry always has an upload worker (later ones may wait on it).
                            upload = ClaimZipEntry(index, entry, ref previous);
                        }

                        if (upload is not null)
                        {
                            InflateEntry(buffer, index, entry, upload);
                        }
                    }
                }
                catch (Exception ex)
                {
                    failures[slot] = ex;
                    _pipelineCts.Cancel();
                }
            })
            {
                IsBackground = true,
                Name = "zip-decoder-" + t,
            };
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (_parallelError is { } failed)
        {
            _reportThrough = failed.Index;
            return failed.Error;
        }

        Token.ThrowIfCancellationRequested();
        return failures.FirstOrDefault(f => f is not null) is { } unexpected ? throw new InvalidOperationException("a zip decoder thread failed", unexpected) : null;
    }

    /// <summary>Records a folder, refusal or resumed entry at once; for data to decode, posts its upload and returns it.</summary>
    private EntryUpload? ClaimZipEntry(int index, ZipDirectoryEntry entry, ref Task<bool> previous)
    {
        // libarchive returns C strings: a name with a NUL is reported cut there, and refused.
        var nul = entry.Name.IndexOf('\0', StringComparison.Ordinal);
        var name = nul >= 0 ? entry.Name[..nul] : entry.Name;
        var isFolder = name.EndsWith('/') || name.EndsWith('\\');
        var display = EntryPaths.Normalize(name);
        var unsafeReason = "the stored name contains a NUL character";
        var path = nul >= 0 ? null : EntryPaths.TryResolve(name, out unsafeReason);
        if (path is null && (_selections.Length > 0 || (isFolder && display.Length == 0)))
        {
            return null;
        }

        if (path is null)
        {
            Refuse(new ExtractedEntry(index, null, display, isFolder, entry.CompressedSize, entry.UncompressedSize, entry.ModifiedTime, "refused: " + unsafeReason), ArchiveErrorCode.UnsafePath);
            return null;
        }

        if (_selections.Length > 0)
        {
            var match = _selections.FirstOrDefault(s => EntryPaths.IsSelected(path, [s]));
            if (match is null)
            {
                return null;
            }

            _matchedSelections.Add(match);
        }

        var result = new ExtractedEntry(index, _target.UriFor(isFolder ? path + "/" : path).ToString(), path, isFolder, entry.CompressedSize, entry.UncompressedSize, entry.ModifiedTime, string.Empty);
        if (isFolder)
        {
            _folders.TryAdd(path, 0);
            Complete(result, bytes: 0, resumed: _resume.Contains(index));
            return null;
        }

        if (_resume.Contains(index))
        {
            Complete(result, bytes: entry.UncompressedSize, resumed: true);
            return null;
        }

        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var upload = EntryUpload.Streamed(path, _target.KeyPrefix + path, result, _options.ChunksPerEntry, previous, done);
        previous = done.Task;
        PostUpload(upload, entry.UncompressedSize);
        return upload;
    }

    private void InflateEntry(RangeBuffer buffer, int index, ZipDirectoryEntry entry, EntryUpload upload)
    {
        long written = 0;
        try
        {
            var dataStart = buffer.LocalDataStart(entry);
            using var range = buffer.Open(dataStart, entry.CompressedSize);
            using var data = entry.Method == 8 ? new DeflateStream(range, CompressionMode.Decompress, leaveOpen: true) : (Stream)range;
            var crc = 0u;
            var limits = _options.Limits;
            while (true)
            {
                if (index > Volatile.Read(ref _reportThrough) || Token.IsCancellationRequested)
                {
                    upload.Abort("an earlier entry stopped the extraction");
                    return;
                }

                var chunk = ArrayPool<byte>.Shared.Rent(_options.ChunkBytes);
                var filled = 0;
                try
                {
                    while (filled < _options.ChunkBytes && data.Read(chunk.AsSpan(filled, _options.ChunkBytes - filled)) is > 0 and var n)
                    {
                        filled += n;
                    }

                    crc = Zlib.Crc32(crc, chunk.AsSpan(0, filled));
                    written += filled;
                    var decoded = Interlocked.Add(ref _decodedBytes, filled);
                    if (decoded > limits.MaxTotalOutputBytes)
                    {
                        throw new ArchiveException(ArchiveErrorCode.OutputLimitExceeded, $"output passed the limit of {limits.MaxTotalOutputBytes:N0} bytes; extraction stopped", upload.Path);
                    }

                    var consumed = Interlocked.Read(ref _parallelSourceBytes.Value);
                    if (decoded >= limits.CompressionRatioMinBytes && decoded > limits.MaxCompressionRatio * Math.Max(1, consumed))
                    {
                        throw new ArchiveException(ArchiveErrorCode.CompressionRatioExceeded, $"{decoded:N0} bytes decoded from {consumed:N0} read (over {limits.MaxCompressionRatio}:1); stopped as a zip bomb", upload.Path);
                    }

                    if (written > entry.UncompressedSize)
                    {
                        throw Damage($"the entry decodes to more than the {entry.UncompressedSize:N0} bytes its header declares");
                    }
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                    throw;
                }

                var last = filled < _options.ChunkBytes;
                if (last && written != entry.UncompressedSize)
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                    throw Damage($"the entry decoded to {written:N0} bytes, not the {entry.UncompressedSize:N0} its header declares");
                }

                if (last && crc != entry.Crc32)
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                    throw Damage($"ZIP bad CRC: the data's CRC-32 is {crc:x8}, the header declares {entry.Crc32:x8}");
                }

                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }
                else
                {
                    Post(upload.Chunks!.Writer, new Chunk(chunk, filled));
                }

                if (last)
                {
                    upload.Chunks!.Writer.TryComplete();
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var error = ex switch
            {
                ArchiveException ae => ae.Error,
                InvalidDataException => new ArchiveError(ArchiveErrorCode.Corrupt, $"{ex.Message} (after {written:N0} bytes of the entry)", upload.Path),
                _ when buffer.Failure is { } io => new ArchiveError(ArchiveErrorCode.SourceReadFailed, "reading the archive failed: " + io.Message, upload.Path),
                EndOfStreamException => new ArchiveError(ArchiveErrorCode.Corrupt, $"truncated entry data (after {written:N0} bytes of the entry)", upload.Path),
                _ => null,
            };
            if (error is null)
            {
                upload.Abort(ex.Message);
                throw;
            }

            upload.Abort(error.Message);
            Refuse(upload.Success with { Reason = error.Message }, error.Code);
            lock (_claimLock)
            {
                if (_parallelError is null || index < _parallelError.Value.Index)
                {
                    _parallelError = (index, error);
                    Volatile.Write(ref _reportThrough, index);
                }
            }
        }

        ArchiveException Damage(string message) => new(ArchiveErrorCode.Corrupt, $"{message} (after {written:N0} bytes of the entry)", upload.Path);
    }

    /// <summary>One decoder thread's view of the source: local headers and entry spans, read in large blocks.</summary>
    private sealed class RangeBuffer(Stream source, System.Runtime.CompilerServices.StrongBox<long> consumed)
    {
        private readonly byte[] _header = new byte[30];

        public Exception? Failure { get; private set; }

        public long LocalDataStart(ZipDirectoryEntry entry)
        {
            Fill(entry.LocalHeaderOffset, _header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(_header) != 0x04034b50)
            {
                throw new ArchiveException(ArchiveErrorCode.Corrupt, "the entry's local header is missing or damaged", EntryPaths.Normalize(entry.Name));
            }

            return entry.LocalHeaderOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(28));
        }

        public Stream Open(long start, long length) => new SpanStream(this, start, length);

        private int ReadAt(long offset, Span<byte> into)
        {
            source.Seek(offset, SeekOrigin.Begin);
            var total = 0;
            while (total < into.Length && source.Read(into[total..]) is > 0 and var n)
            {
                total += n;
            }

            Interlocked.Add(ref consumed.Value, total);
            return total;
        }

        private void Fill(long offset, Span<byte> into)
        {
            try
            {
                if (ReadAt(offset, into) < into.Length)
                {
                    throw new EndOfStreamException();
                }
            }
            catch (EndOfStreamException)
            {
                throw new ArchiveException(ArchiveErrorCode.Corrupt, "the archive ends inside an entry's local header");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or TimeoutException)
            {
                Failure ??= ex;
                throw;
            }
        }

        /// <summary>An entry's compressed bytes, fetched 1 MiB at a time.</summary>
        private sealed class SpanStream(RangeBuffer owner, long start, long length) : Stream
        {
            private const int Block = 1024 * 1024;
            private readonly byte[] _block = ArrayPool<byte>.Shared.Rent(Block);
            private long _next = start;
            private long _left = length;
            private int _at;
            private int _end;
            private bool _returned;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                if (_at == _end)
                {
                    if (_left == 0)
                    {
                        return 0;
                    }

                    var want = (int)Math.Min(Block, _left);
                    try
                    {
                        var got = owner.ReadAt(_next, _block.AsSpan(0, want));
                        if (got == 0)
                        {
                            throw new EndOfStreamException();
                        }

                        _next += got;
                        _left -= got;
                        _at = 0;
                        _end = got;
                    }
                    catch (Exception ex) when (ex is (IOException or HttpRequestException or TimeoutException) and not EndOfStreamException)
                    {
                        owner.Failure ??= ex;
                        throw;
                    }
                }

                var n = Math.Min(buffer.Length, _end - _at);
                _block.AsSpan(_at, n).CopyTo(buffer);
                _at += n;
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
                // Stored entries are read through this stream directly and disposed twice: return the block once.
                if (disposing && !_returned)
                {
                    _returned = true;
                    ArrayPool<byte>.Shared.Return(_block);
                }

                base.Dispose(disposing);
            }
        }
    }
}
