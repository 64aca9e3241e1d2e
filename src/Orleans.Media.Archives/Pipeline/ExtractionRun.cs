using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Media.Archives.Managed;
using Orleans.Media.Archives.Native;
using Orleans.Media.Archives.Zip;
using Orleans.Media.Storage;

namespace Orleans.Media.Archives.Pipeline;

/// <summary>
/// One extraction: a dedicated decoder thread drives libarchive (blocking native calls never occupy the thread
/// pool) and hands each entry's data, in pooled chunks, to upload workers through bounded channels. Links are
/// materialised last, as copies of the files they point to. Everything is recorded per entry.
/// </summary>
internal sealed partial class ExtractionRun
{
    private readonly Stream _source;
    private readonly Func<Stream>? _openSource;
    private readonly ExtractionTarget _target;
    private readonly ExtractionOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _userToken;
    private readonly CancellationTokenSource _pipelineCts;
    private readonly Channel<EntryUpload> _uploads;
    private readonly SemaphoreSlim _largeUploads;
    private readonly EntryResults _results = new();
    private readonly ConcurrentDictionary<string, byte> _folders = new(StringComparer.Ordinal);
    private readonly List<PendingLink> _links = [];
    private readonly HashSet<string> _matchedSelections = new(StringComparer.Ordinal);
    private readonly string[] _selections;
    private readonly Lock _progressLock = new();
    private readonly CheckpointTracker _checkpoint;
    private readonly ExtractionCheckpoint _resume;
    private ArchiveFormat _format;
    private int _entriesTotal;
    private long _bytesTotal;
    private int _entriesDone;
    private long _bytesDone;
    private int _sinceCheckpoint;
    private long _decodedBytes;
    private long _bytesWritten;
    private bool _isEncrypted;
    private ArchiveDecoder _decoder;
    private int _managedOpens;
    private SevenZip.SevenZipReader? _plainSevenZip;
    private SevenZip.SevenZipReader? _sevenZip;
    private ArchiveError? _workerError;

    public ExtractionRun(Stream source, Func<Stream>? openSource, ExtractionTarget target, ExtractionOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        _source = source;
        _openSource = openSource;
        _target = target;
        _options = options;
        _logger = logger;
        _userToken = cancellationToken;
        _pipelineCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _uploads = Channel.CreateBounded<EntryUpload>(new BoundedChannelOptions(options.MaxUploadsInFlight)
        {
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _largeUploads = new SemaphoreSlim(options.MaxLargeUploadsInFlight);
        _selections = options.SelectedPaths.Select(p => EntryPaths.Normalize(p)).Where(p => p.Length > 0).Distinct().ToArray();
        _resume = options.ResumeFrom ?? ExtractionCheckpoint.Empty;
        _checkpoint = new CheckpointTracker(options.ResumeFrom);
    }

    private CancellationToken Token => _pipelineCts.Token;

    public async Task<ExtractionResult> RunAsync()
    {
        try
        {
            return await RunCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _pipelineCts.Dispose();
            _largeUploads.Dispose();
            if (OperatingSystem.IsLinux())
            {
                Libc.MallocTrim(0);
            }
        }
    }

    private async Task<ExtractionResult> RunCoreAsync()
    {
        var workers = Enumerable.Range(0, _options.MaxUploadsInFlight).Select(_ => Task.Run(WorkerAsync)).ToArray();
        ArchiveError? error;
        try
        {
            error = await RunDecoderThread().ConfigureAwait(false);
        }
        finally
        {
            _uploads.Writer.TryComplete();
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        _userToken.ThrowIfCancellationRequested();
        error ??= _workerError;
        if (error is null)
        {
            error = await MaterializeLinksAsync().ConfigureAwait(false);
        }

        if (_sevenZip?.ToolFailure is { } toolFailure)
        {
            Log.SevenZipToolFailed(_logger, toolFailure);
        }

        var checkpoint = SnapshotCheckpoint(final: true);
        var entries = _results.InOrder(_reportThrough);
        if (error is null)
        {
            Log.Finished(_logger, _target.Prefix.ToString(), entries.Count(e => e.Succeeded), entries.Count(e => !e.Succeeded), _bytesWritten);
        }
        else
        {
            Log.Stopped(_logger, _target.Prefix.ToString(), error);
        }

        return new ExtractionResult
        {
            Format = _format,
            Entries = entries,
            Error = error,
            Checkpoint = checkpoint,
            BytesWritten = _bytesWritten,
            UnmatchedSelections = error is null ? _selections.Where(s => !_matchedSelections.Contains(s)).ToList() : [],
            IsEncrypted = _isEncrypted,
            Decoder = _sevenZip is { UsedTool: true } ? ArchiveDecoder.SevenZipTool : _decoder,
            ManagedOpens = _managedOpens,
        };
    }

    private Task<ArchiveError?> RunDecoderThread()
    {
        var done = new TaskCompletionSource<ArchiveError?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(Decode());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "archive-decoder",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Runs on the decoder thread. Returns the error that stopped extraction, or null.</summary>
    private ArchiveError? Decode()
    {
        try
        {
            var sniffed = ArchiveSignature.Sniff(_source);
            _format = sniffed;
            using var managed = ManagedDecoding.Choose(_source, sniffed, _options.Passphrases, _options.Limits);
            _managedOpens = managed?.Opens ?? 0;

            // An unencrypted 7z the native reader covers: its directory is the plan, no libarchive listing pass.
            _plainSevenZip = managed is null && sniffed == ArchiveFormat.SevenZip && !_options.PreferLibArchive
                ? SevenZip.SevenZipReader.TryOpenPlain(_source)
                : null;
            var plan = managed is not null ? ArchivePlan.FromManaged(managed, _source.Length, _options.Limits)
                : _plainSevenZip is { } plain ? ArchivePlan.FromListed(ArchiveFormat.SevenZip, plain.List(), plain.PackedSizes(), _source.Length, _options.Limits)
                : BuildPlan(sniffed);
            _format = plan.Format;
            var wanted = plan.Entries.Where(IsWanted).ToList();
            plan.CheckDeclaredOutput(wanted.Where(e => !e.IsFolder), _options.Limits);
            _entriesTotal = wanted.Count;
            _results.Reserve(plan.Entries.Count);
            _bytesTotal = wanted.Sum(e => e.Size);
            Log.Started(_logger, plan.Format, plan.ArchiveSize, wanted.Count, _target.Prefix.ToString());

            if (ParallelZipOrder(plan, wanted) is { } order)
            {
                return DecodeZipInParallel(order);
            }

            // Selected entries of a zip: read a view holding only them, so unselected entries cost nothing.
            var input = _source;
            int[]? sourceIndex = null;
            if (plan.Zip is { } zip && _selections.Length > 0)
            {
                (input, sourceIndex) = ZipSubsetStream.Create(_source, zip, plan.ZipEntries, e => IsWanted(new PlannedEntry(e.Name, 0, 0, false)));
            }

            plan.ReleaseZipDirectory();

            input.Seek(0, SeekOrigin.Begin);
            using var reader = OpenReader(input, managed);
            _isEncrypted |= managed?.HeadersEncrypted == true;
            var position = 0;
            while (reader.MoveNext(out var entry, out var headerError))
            {
                Token.ThrowIfCancellationRequested();
                _format = reader.Format;
                var index = sourceIndex is null ? position : sourceIndex[position];
                HandleEntry(reader, plan, index, entry, headerError);
                position++;
            }

            return null;
        }
        catch (ArchiveException ex)
        {
            _plainSevenZip?.Dispose();
            _isEncrypted |= ex.Code is ArchiveErrorCode.NoPassword or ArchiveErrorCode.WrongPassword or ArchiveErrorCode.EncryptionNotSupported;
            return ex.Error;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or TimeoutException or Storage.ObjectNotFoundException)
        {
            // Our own reads of the source (zip directory, header probes) outside libarchive's callbacks.
            return new ArchiveError(ArchiveErrorCode.SourceReadFailed, "reading the archive failed: " + ex.Message);
        }
        catch (OperationCanceledException) when (!_userToken.IsCancellationRequested && _workerError is not null)
        {
            return _workerError;
        }
    }

    /// <summary>
    /// The decoder for the archive's data: the engine's own 7z reader (liblzma, .NET AES) when it covers every
    /// folder, else SharpCompress for what libarchive cannot decrypt, else libarchive.
    /// </summary>
    private IEntryReader OpenReader(Stream input, ManagedChoice? managed)
    {
        if (_plainSevenZip is { } plain)
        {
            return UseSevenZip(plain, password: null);
        }

        if (managed is { Format: ArchiveFormat.SevenZip }
            && SevenZip.SevenZipReader.TryOpen(input, managed.Password, managed.Entries.Select(e => e.Name).ToList()) is { } native)
        {
            return UseSevenZip(native, managed.Password);
        }

        input.Seek(0, SeekOrigin.Begin);
        if (managed is not null)
        {
            _decoder = ArchiveDecoder.SharpCompress;
            if (managed.TakeListed() is { } listed)
            {
                return listed;
            }

            _managedOpens++;
            return ManagedArchiveReader.Open(input, managed.Format, managed.Password, managed.HeadersEncrypted);
        }

        _decoder = ArchiveDecoder.LibArchive;
        return ArchiveReader.Open(input, _options.Passphrases);
    }

    /// <summary>
    /// The native 7z reader, its folders decoded by a 7zz child when the archive is a local file and 7-Zip is installed
    /// (7-Zip's decoder needs ~15 % less CPU than liblzma 5.4, and runs beside the writes); liblzma otherwise.
    /// </summary>
    private SevenZip.SevenZipReader UseSevenZip(SevenZip.SevenZipReader reader, string? password)
    {
        _decoder = ArchiveDecoder.SevenZipNative;
        _sevenZip = reader;
        if (!_options.PreferLibLzma && SevenZip.SevenZipTool.Executable is not null && SevenZip.SevenZipTool.ArchivePathOf(_source) is { } path
            && reader.UseTool(path, password, _options.SevenZipToolStallLimit, Token))
        {
            Log.SevenZipTool(_logger, path);
        }

        return reader;
    }

    /// <summary>
    /// libarchive's plan. A 7z or RAR whose headers are encrypted is refused by libarchive; with no password given that
    /// is the user's to fix (<see cref="ArchiveErrorCode.NoPassword"/>), not an encryption the engine lacks.
    /// </summary>
    private ArchivePlan BuildPlan(ArchiveFormat sniffed)
    {
        try
        {
            return ArchivePlan.Build(_source, _options.Passphrases, _options.Limits);
        }
        catch (ArchiveException ex) when (ex.Code == ArchiveErrorCode.EncryptionNotSupported && ManagedDecoding.Handles(sniffed) && _options.Passphrases.Count == 0)
        {
            _format = sniffed;
            _isEncrypted = true;
            throw new ArchiveException(ArchiveErrorCode.NoPassword, "Passphrase required: the archive's headers are encrypted and no password was given", null, ex);
        }
    }

    private bool IsWanted(PlannedEntry e)
    {
        var path = EntryPaths.TryResolve(e.Name, out _);
        return path is not null && (_selections.Length == 0 || EntryPaths.IsSelected(path, _selections));
    }

    private void HandleEntry(IEntryReader reader, ArchivePlan plan, int index, RawEntry entry, string? headerError)
    {
        var display = EntryPaths.Normalize(entry.Name);
        var packed = plan.PackedSizeOf(index, entry.Name);
        var size = entry.Size ?? 0;
        _isEncrypted |= entry.IsEncrypted;
        var isFolder = entry.Kind == ArchiveEntryKind.Directory;
        var unsafeReason = "the stored name contains a NUL character";
        var path = plan.NulTruncatedNames.Contains(entry.Name) ? null : EntryPaths.TryResolve(entry.Name, out unsafeReason);
        if (path is null && isFolder && display.Length == 0)
        {
            return; // the archive root itself ("./" in tar): nothing to report
        }

        if (path is null && _selections.Length > 0)
        {
            return; // a selection names safe paths only, so it never matches this entry
        }

        if (path is null)
        {
            // An unsafe name is refused and reported: it can never be written.
            Refuse(new ExtractedEntry(index, null, display, isFolder, packed, size, entry.ModifiedTime, "refused: " + unsafeReason), ArchiveErrorCode.UnsafePath);
            return;
        }

        if (_selections.Length > 0)
        {
            var match = _selections.FirstOrDefault(s => EntryPaths.IsSelected(path, [s]));
            if (match is null)
            {
                return;
            }

            _matchedSelections.Add(match);
        }

        var uri = _target.UriFor(isFolder ? path + "/" : path).ToString();
        var result = new ExtractedEntry(index, uri, path, isFolder, packed, size, entry.ModifiedTime, string.Empty);
        if (headerError is not null)
        {
            var code = ArchiveReader.Classify(headerError, ArchiveErrorCode.Corrupt);
            Refuse(result with { Reason = headerError }, code);
            if (code == ArchiveErrorCode.Corrupt)
            {
                throw new ArchiveException(code, headerError, path);
            }

            return;
        }

        switch (entry.Kind)
        {
            case ArchiveEntryKind.Directory:
                _folders.TryAdd(path, 0);
                Complete(result, bytes: 0, resumed: _resume.Contains(index));
                return;
            case ArchiveEntryKind.SymbolicLink:
            case ArchiveEntryKind.HardLink:
                var target = entry.Kind == ArchiveEntryKind.SymbolicLink
                    ? EntryPaths.TryResolveSymlink(path, entry.LinkTarget ?? string.Empty, out var linkReason)
                    : EntryPaths.TryResolveHardLink(entry.LinkTarget ?? string.Empty, out linkReason);
                if (target is null)
                {
                    Refuse(result with { Reason = "refused: " + linkReason }, ArchiveErrorCode.UnsafeLink);
                }
                else
                {
                    _links.Add(new PendingLink(result, path, target));
                }

                return;
            case ArchiveEntryKind.Other:
                Refuse(result with { Reason = "not a regular file, folder or link (device, FIFO or socket)" }, ArchiveErrorCode.UnsupportedEntry);
                return;
        }

        if (reader is ArchiveReader libarchive && !entry.IsEncrypted && _format == ArchiveFormat.Rar5 && libarchive.IsRar5EntryEncrypted(entry.Name))
        {
            _isEncrypted = true;
            entry = entry with { IsEncrypted = true };
        }

        // libarchive reads a 7z or RAR only when no password was given or SharpCompress could not open the archive.
        if (entry.IsEncrypted && reader is ArchiveReader && ManagedDecoding.Handles(_format))
        {
            if (_options.Passphrases.Count == 0)
            {
                Refuse(result with { Reason = "Passphrase required: the entry is encrypted and no password was given" }, ArchiveErrorCode.NoPassword);
            }
            else
            {
                Refuse(result with { Reason = $"the entry is encrypted in a way the engine cannot decrypt ({_format})" }, ArchiveErrorCode.EncryptionNotSupported);
            }

            return;
        }

        if (entry.IsEncrypted && _options.Passphrases.Count == 0)
        {
            Refuse(result with { Reason = "Passphrase required: the entry is encrypted and no password was given" }, ArchiveErrorCode.NoPassword);
            return;
        }

        if (_resume.Contains(index))
        {
            Complete(result, bytes: size, resumed: true);
            return;
        }

        StreamEntry(reader, path, result, entry.Size, entry.IsEncrypted);
    }

    private void StreamEntry(IEntryReader reader, string path, ExtractedEntry result, long? declaredSize, bool encrypted)
    {
        EntryUpload? upload = null;
        var key = _target.KeyPrefix + path;
        long written = 0;
        var limits = _options.Limits;
        try
        {
            while (true)
            {
                // An entry declared smaller than a chunk starts in a buffer of its size plus the one byte that shows
                // where it ends: 80,000 small files then cycle small pooled arrays instead of a 256 KiB one each.
                // Data past the declared size (a lying header) moves to a whole chunk and goes on as usual.
                var buffer = ArrayPool<byte>.Shared.Rent(upload is null && declaredSize is { } small && small < _options.ChunkBytes ? (int)small + 1 : _options.ChunkBytes);
                var filled = 0;
                try
                {
                    // Fill whole chunks: libarchive often returns a few KB at a time, and fewer, larger
                    // messages keep channel overhead off the hot path.
                    while (filled < _options.ChunkBytes)
                    {
                        if (filled == buffer.Length)
                        {
                            var whole = ArrayPool<byte>.Shared.Rent(_options.ChunkBytes);
                            buffer.AsSpan(0, filled).CopyTo(whole);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = whole;
                        }

                        var n = reader.Read(buffer.AsSpan(filled, Math.Min(buffer.Length, _options.ChunkBytes) - filled));
                        if (n == 0)
                        {
                            break;
                        }

                        filled += n;
                    }

                    written += filled;
                    _decodedBytes += filled;
                    if (_decodedBytes > limits.MaxTotalOutputBytes)
                    {
                        throw new ArchiveException(ArchiveErrorCode.OutputLimitExceeded, $"output passed the limit of {limits.MaxTotalOutputBytes:N0} bytes; extraction stopped", path);
                    }

                    if (_decodedBytes >= limits.CompressionRatioMinBytes && _decodedBytes > limits.MaxCompressionRatio * Math.Max(1, reader.SourceBytes))
                    {
                        throw new ArchiveException(ArchiveErrorCode.CompressionRatioExceeded, $"{_decodedBytes:N0} bytes decoded from {reader.SourceBytes:N0} read (over {limits.MaxCompressionRatio}:1); stopped as a zip bomb", path);
                    }
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                var last = filled < _options.ChunkBytes;
                if (last && declaredSize is { } declared && written != declared)
                {
                    // Decoders can end an entry early without an error (stored data decrypted with a wrong ZipCrypto
                    // password that passed its one-byte check, some damaged streams): never publish a short object.
                    ArrayPool<byte>.Shared.Return(buffer);
                    var code = encrypted ? ArchiveErrorCode.WrongPassword : ArchiveErrorCode.Corrupt;
                    throw new EntryDataException(code, $"the entry decoded to {written:N0} bytes, not the {declared:N0} its header declares", fatal: false, null);
                }

                if (upload is null && last)
                {
                    Post(_uploads.Writer, EntryUpload.Small(path, key, result, new Chunk(buffer, filled)));
                    return;
                }

                if (upload is null)
                {
                    upload = EntryUpload.Streamed(path, key, result, _options.ChunksPerEntry);
                    PostUpload(upload, declaredSize);
                }

                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                else
                {
                    Post(upload.Chunks!.Writer, new Chunk(buffer, filled));
                }

                if (last)
                {
                    break;
                }
            }

            upload.Chunks!.Writer.TryComplete();
        }
        catch (EntryDataException ex)
        {
            upload?.Abort(ex.Message);

            // A corrupt entry ends the extraction as IMM's does ("aborted due to file corruption"): what was written
            // stays, nothing after the damage is written. A password failure is the entry's alone and reading goes on.
            if (ex.Fatal || ex.Code == ArchiveErrorCode.Corrupt)
            {
                var code = ex.InnerException is not null ? ArchiveErrorCode.SourceReadFailed : ex.Code;
                Refuse(result with { Reason = ex.Message }, code);
                throw new ArchiveException(code, $"{ex.Message} (after {written:N0} bytes of the entry)", path, ex.InnerException);
            }

            Refuse(result with { Reason = ex.Message }, ex.Code);
        }
        catch (Exception ex)
        {
            upload?.Abort(ex.Message);
            if (ex is ArchiveException ae)
            {
                Refuse(result with { Reason = ae.Error.Message }, ae.Code);
            }

            throw;
        }
    }

    private async Task WorkerAsync()
    {
        await foreach (var upload in _uploads.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            ObjectWriteStream? stream = null;
            long bytes = 0;
            try
            {
                Token.ThrowIfCancellationRequested();
                stream = _target.Store.OpenWrite(upload.Key, _options.WriteOptions);
                if (upload.Whole is { } whole)
                {
                    if (whole.Length > 0)
                    {
                        await stream.WriteAsync(whole.Memory, Token).ConfigureAwait(false);
                    }

                    bytes = whole.Length;
                }
                else
                {
                    await foreach (var chunk in upload.Chunks!.Reader.ReadAllAsync(Token).ConfigureAwait(false))
                    {
                        try
                        {
                            await stream.WriteAsync(chunk.Memory, Token).ConfigureAwait(false);
                            bytes += chunk.Length;
                        }
                        finally
                        {
                            chunk.Return();
                        }
                    }
                }

                if (upload.After is { } after && !await after.WaitAsync(Token).ConfigureAwait(false))
                {
                    continue; // an earlier entry failed for good: this one is dropped (the finally disposes it)
                }

                await stream.CompleteAsync(Token).ConfigureAwait(false);
                Complete(upload.Success.UnPackedSize == bytes ? upload.Success : upload.Success with { UnPackedSize = bytes }, bytes, resumed: false);
                upload.Done?.TrySetResult(true);
            }
            catch (EntryAbortedException)
            {
                // The decoder recorded why; disposing the stream below drops the partial object.
            }
            catch (OperationCanceledException) when (Token.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _workerError, new ArchiveError(ArchiveErrorCode.WriteFailed, "writing the object failed: " + ex.Message, upload.Path), null);
                await _pipelineCts.CancelAsync().ConfigureAwait(false);
            }
            finally
            {
                upload.Done?.TrySetResult(false);
                if (stream is not null)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }

                upload.Whole?.Return();
                while (upload.Chunks?.Reader.TryRead(out var left) == true)
                {
                    left.Return();
                }

                if (upload.HoldsLargeSlot)
                {
                    _largeUploads.Release();
                }
            }
        }
    }

    /// <summary>
    /// Links are written as copies of the file they point to (inside the root only; escapes were refused when
    /// read). A link to a folder, or to something not extracted, is reported and not written.
    /// </summary>
    private async Task<ArchiveError?> MaterializeLinksAsync()
    {
        if (_links.Count == 0)
        {
            return null;
        }

        // The files written so far (this run's and resumed ones), by path: every object's key is the target's prefix
        // plus its path. Read from the results here rather than kept in a map of its own for every entry of every run.
        var written = _results.InOrder().Where(e => e.Succeeded && !e.IsFolder).Select(e => e.PathName).ToHashSet(StringComparer.Ordinal);
        var byPath = _links.GroupBy(l => l.Path).ToDictionary(g => g.Key, g => g.Last().Target, StringComparer.Ordinal);
        foreach (var link in _links)
        {
            var result = link.Result;
            if (_resume.Contains(result.Index))
            {
                written.Add(link.Path);
                Complete(result, 0, resumed: true);
                continue;
            }

            var target = link.Target;
            for (var hops = 0; hops < 16 && byPath.TryGetValue(target, out var next) && !written.Contains(target); hops++)
            {
                target = next;
            }

            if (written.Contains(target))
            {
                try
                {
                    var bytes = await CopyObjectAsync(_target.KeyPrefix + target, _target.KeyPrefix + link.Path).ConfigureAwait(false);
                    written.Add(link.Path);
                    Complete(result with { UnPackedSize = bytes }, bytes, resumed: false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return new ArchiveError(ArchiveErrorCode.WriteFailed, "writing the link's copy failed: " + ex.Message, link.Path);
                }
            }
            else if (_folders.ContainsKey(target) || written.Any(k => k.StartsWith(target + "/", StringComparison.Ordinal)))
            {
                Refuse(result with { Reason = $"the link points to the folder '{target}'; folder links are not materialised" }, ArchiveErrorCode.LinkNotMaterialized);
            }
            else
            {
                Refuse(result with { Reason = $"the link target '{target}' is not among the extracted files" }, ArchiveErrorCode.LinkNotMaterialized);
            }
        }

        return null;
    }

    private async Task<long> CopyObjectAsync(string sourceKey, string targetKey)
    {
        await using var input = await _target.Store.OpenReadAsync(sourceKey, null, Token).ConfigureAwait(false);
        await using var output = _target.Store.OpenWrite(targetKey, _options.WriteOptions);
        await input.CopyToAsync(output, _options.ChunkBytes, Token).ConfigureAwait(false);
        await output.CompleteAsync(Token).ConfigureAwait(false);
        return input.Length;
    }

    private void Refuse(ExtractedEntry result, ArchiveErrorCode code)
    {
        // A refused entry was never written: it has no object to point at, whatever stage refused it.
        _results[result.Index] = result with { Code = code, Uri = null };
        Log.Refused(_logger, result.Index, result.PathName, code, result.Reason);
    }

    private void Complete(ExtractedEntry result, long bytes, bool resumed)
    {
        _results[result.Index] = result;
        ExtractionProgress progress;
        ExtractionCheckpoint? checkpoint = null;
        lock (_progressLock)
        {
            _checkpoint.Add(result.Index);
            _entriesDone++;
            _bytesDone += bytes;
            _bytesWritten += resumed ? 0 : bytes;
            progress = new ExtractionProgress(_entriesDone, _entriesTotal, _bytesDone, _bytesTotal);
            if (++_sinceCheckpoint >= _options.CheckpointEveryEntries && _options.Checkpoint is not null)
            {
                _sinceCheckpoint = 0;
                checkpoint = _checkpoint.Snapshot();
            }

            _options.Progress?.Invoke(progress);
            if (checkpoint is not null)
            {
                _options.Checkpoint!.Invoke(checkpoint);
            }
        }
    }

    private ExtractionCheckpoint SnapshotCheckpoint(bool final)
    {
        lock (_progressLock)
        {
            var snapshot = _checkpoint.Snapshot();
            if (final)
            {
                _options.Checkpoint?.Invoke(snapshot);
            }

            return snapshot;
        }
    }

    /// <summary>
    /// Hands a streamed entry to the upload workers; a large one (or one of unknown size) first waits, blocking the
    /// decoder, for a large-upload slot. Called in archive order, so slots go in archive order too.
    /// </summary>
    private void PostUpload(EntryUpload upload, long? declaredSize)
    {
        if (declaredSize is not { } size || size > _options.LargeUploadBytes)
        {
            _largeUploads.Wait(Token);
            upload.HoldsLargeSlot = true;
        }

        try
        {
            Post(_uploads.Writer, upload);
        }
        catch when (upload.HoldsLargeSlot)
        {
            upload.HoldsLargeSlot = false;
            _largeUploads.Release();
            throw;
        }
    }

    /// <summary>Blocking write from the decoder thread: the fast path never allocates, the slow path waits for room.</summary>
    private void Post<T>(ChannelWriter<T> writer, T item)
    {
        if (!writer.TryWrite(item))
        {
            writer.WriteAsync(item, Token).AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed record PendingLink(ExtractedEntry Result, string Path, string Target);
}
