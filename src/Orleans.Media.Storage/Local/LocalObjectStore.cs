using System.Buffers.Text;
using System.Globalization;
using System.IO.Enumeration;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// A bucket that is a folder: key <c>a/b.txt</c> is the file <c>&lt;folder&gt;/a/b.txt</c>. Writes and multipart uploads
/// are staged under <c>&lt;folder&gt;/.om-tmp/</c> (hidden from listings) and renamed into place, so readers never see a
/// partial object. ETags are S3-style: MD5 hex for PUTs and parts, MD5-of-part-ETags-N for multipart objects, an
/// opaque <c>&lt;hex&gt;-1</c> for streamed writes (see <see cref="LocalObjectWriteStream"/>), and opaque 32-hex-digit
/// ETags for parts of declared-size (direct) uploads sent without Content-MD5.
/// </summary>
public sealed class LocalObjectStore : IObjectStore
{
    private const string MultipartFolder = "mpu";
    private const string UploadKeyFile = "key";

    /// <summary>
    /// Locked shared by every part write and exclusively by completion (flock, so silos sharing the folder take part):
    /// a completion never runs while a part is being written, and no part is written into an object once published.
    /// Each part has its own exclusive lock beside it (<c>NNNNN.part.lock</c>): writes of one part take turns.
    /// </summary>
    private const string UploadLockFile = "lock";

    /// <summary>In an upload with a declared part size: the part size, and the file every part is written into at its offset.</summary>
    private const string LayoutFile = "part-size";
    private const string AssemblyFile = "assembly";

    /// <summary>How much of a part's body is gathered before one vectored write into the part's place.</summary>
    private const int PartWriteBatchBytes = 128 * 1024;

    /// <summary>Part writers of one upload take turns at its assembly file, process-wide (every store over a folder).</summary>
    private static readonly FileWriteTurns AssemblyWriters = new();

    /// <summary>Temp files older than this belong to writers that died (a crash, a killed silo) and are removed.</summary>
    private static readonly TimeSpan StaleTempAge = TimeSpan.FromDays(1);

    /// <summary>Multipart uploads untouched this long are abandoned (S3 servers expire them by lifecycle rules too).</summary>
    private static readonly TimeSpan StaleUploadAge = TimeSpan.FromDays(7);

    private readonly LocalKeyResolver _paths;
    private int _staleSwept;
    private bool _tempFolderReady;
    private bool _unnamedFiles = PosixFiles.UnnamedFilesPossible;
    private bool _uncachedPartWrites = true;
    private long _uncachedPartBytes;
    private long _tempCounter;
    private long _etagCounter;

    /// <summary>Random per store instance: temp names and opaque ETags are unique across silos sharing the folder without a random draw per object.</summary>
    private readonly string _instanceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private readonly LocalUrlSigner? _signer;
    private readonly Uri? _publicBaseUrl;

    public LocalObjectStore(string bucket, string folder, LocalUrlSigner? signer, Uri? publicBaseUrl, ILogger logger)
    {
        Bucket = bucket;
        _paths = new LocalKeyResolver(folder);
        _signer = signer;
        _publicBaseUrl = publicBaseUrl;
        Logger = logger;
    }

    public string Bucket { get; }

    /// <summary>The folder that is the bucket.</summary>
    public string Folder => _paths.Root;

    internal ILogger Logger { get; }

    /// <summary>
    /// Whether writes use unnamed files in the object's folder (<see cref="CreateObjectFile"/>). On by default where
    /// the system offers them; switched off for good once the file system refuses one; tests switch it off to cover
    /// the named temp files that other systems use.
    /// </summary>
    internal bool UseUnnamedFiles
    {
        get => Volatile.Read(ref _unnamedFiles);
        set => Volatile.Write(ref _unnamedFiles, value && PosixFiles.UnnamedFilesPossible);
    }

    /// <summary>
    /// Whether parts of declared-size uploads write their whole blocks around the page cache
    /// (<see cref="AssemblyPartWriter"/>). On by default; switched off for good once the device refuses an alignment
    /// (a file system that refuses O_DIRECT outright is asked part by part, one open each); tests switch it off to cover the page-cache path.
    /// </summary>
    internal bool UseUncachedPartWrites
    {
        get => Volatile.Read(ref _uncachedPartWrites);
        set => Volatile.Write(ref _uncachedPartWrites, value);
    }

    /// <summary>Bytes of parts this store wrote around the page cache (for tests: which path the writes took).</summary>
    internal long UncachedPartBytes => Interlocked.Read(ref _uncachedPartBytes);

    /// <summary>
    /// The file that holds <paramref name="key"/>, or null when there is none: tools (ffmpeg, ffprobe, LibreOffice) read
    /// local objects in place rather than through a copy.
    /// </summary>
    public string? FilePathOf(string key)
    {
        var path = _paths.Resolve(key);
        return !key.EndsWith('/') && File.Exists(path) ? path : null;
    }

    public Task<ObjectInfo?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.Resolve(key);
        if (key.EndsWith('/'))
        {
            var dir = new DirectoryInfo(path);
            return Task.FromResult(dir.Exists ? new ObjectInfo(key, 0, null, dir.LastWriteTimeUtc) : null);
        }

        var file = new FileInfo(path);
        return Task.FromResult(file.Exists ? ToInfo(key, file) : null);
    }

    public Task<ObjectListing> ListAsync(string prefix, string? continuationToken = null, int maxKeys = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        var after = DecodeToken(continuationToken);
        var start = StartFolder(prefix);
        if (!Directory.Exists(start))
        {
            return Task.FromResult(new ObjectListing([], null));
        }

        var tempFolder = _paths.TempFolder;
        var entries = new FileSystemEnumerable<(string Path, bool IsFolder)>(
            start,
            (ref FileSystemEntry e) => (e.ToFullPath(), e.IsDirectory),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldRecursePredicate = (ref FileSystemEntry e) =>
                (e.Attributes & FileAttributes.ReparsePoint) == 0 && !IsTempFolder(ref e, tempFolder),
            ShouldIncludePredicate = (ref FileSystemEntry e) => !IsTempFolder(ref e, tempFolder),
        };

        var matches = new List<(string Key, string Path, bool IsFolder)>();
        foreach (var (path, isFolder) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = _paths.KeyOf(path);
            if (isFolder)
            {
                // Only empty folders are objects (folder markers); others are implied by the files inside.
                if (Directory.EnumerateFileSystemEntries(path).Any())
                {
                    continue;
                }

                key += "/";
            }

            if (key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || KeyOrder.Instance.Compare(key, after) > 0))
            {
                matches.Add((key, path, isFolder));
            }
        }

        matches.Sort((a, b) => KeyOrder.Instance.Compare(a.Key, b.Key));
        var page = new List<ObjectInfo>(Math.Min(maxKeys, matches.Count));
        foreach (var (key, path, isFolder) in matches.Take(maxKeys))
        {
            if (isFolder)
            {
                page.Add(new ObjectInfo(key, 0, null, Directory.GetLastWriteTimeUtc(path)));
            }
            else
            {
                var file = new FileInfo(path);
                if (file.Exists)
                {
                    page.Add(ToInfo(key, file));
                }
            }
        }

        var next = matches.Count > maxKeys ? EncodeToken(matches[maxKeys - 1].Key) : null;
        return Task.FromResult(new ObjectListing(page, next));
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.Resolve(key);
        if (key.EndsWith('/'))
        {
            // A folder marker: only an empty folder goes, like deleting the marker object leaves the other keys.
            if (Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any())
            {
                Directory.Delete(path);
            }
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }

        return Task.CompletedTask;
    }

    public async Task CopyAsync(string sourceKey, string targetKey, CancellationToken cancellationToken = default)
    {
        var source = _paths.Resolve(sourceKey);
        var target = _paths.Resolve(targetKey);
        if (!File.Exists(source))
        {
            throw new ObjectNotFoundException(Bucket, sourceKey);
        }

        var temp = NewTempPath();
        try
        {
            await using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0))
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
            {
                await input.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
            }

            var (etag, contentType) = LocalObjectAttributes.Load(new FileInfo(source));
            File.SetLastWriteTimeUtc(temp, DateTime.UtcNow);
            LocalObjectAttributes.Save(temp, etag, contentType); // before the rename: the copy never shows without its ETag
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            DeleteTemp(temp);
        }
    }

    public Task<ObjectReadStream> OpenReadAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = _paths.Resolve(key);
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Task.FromResult<ObjectReadStream>(new LocalObjectReadStream(handle, RandomAccess.GetLength(handle)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException && !File.Exists(path))
        {
            throw new ObjectNotFoundException(Bucket, key, inner: e);
        }
    }

    public ObjectWriteStream OpenWrite(string key, WriteOptions? options = null)
    {
        var path = _paths.ResolveForCreate(key);
        return new LocalObjectWriteStream(this, key, path, options?.ContentType, computeMd5: false);
    }

    public Task<ObjectInfo> PutAsync(string key, Stream content, CancellationToken cancellationToken = default) =>
        PutAsync(key, content, null, cancellationToken);

    /// <summary>A whole-object PUT that also records the content type (the silo's presigned PUT endpoint).</summary>
    public Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType, CancellationToken cancellationToken = default) =>
        PutAsync(key, content, contentType, null, cancellationToken);

    /// <summary>
    /// A whole-object PUT bound to a Content-MD5 (base64, as the header carries it): when the body's MD5 differs,
    /// nothing is stored and <see cref="ContentDigestMismatchException"/> is thrown.
    /// </summary>
    public async Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType, string? contentMd5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var expected = contentMd5 is null ? null : ContentMd5.Decode(contentMd5);
        await using var write = new LocalObjectWriteStream(this, key, _paths.ResolveForCreate(key), contentType, computeMd5: true, expected);
        await content.CopyToAsync(write, 1 << 20, cancellationToken).ConfigureAwait(false);
        return await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ObjectInfo> PutAsync(string key, Stream content, long length, string? contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        await using var write = new LocalObjectWriteStream(this, key, _paths.ResolveForCreate(key), contentType, computeMd5: true);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long total = 0;
            int n;
            while ((n = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - total + 1)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
                if (total > length)
                {
                    throw new IOException($"The body is longer than the {length} bytes announced.");
                }

                await write.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            if (total != length)
            {
                throw new IOException($"The body ended after {total} of {length} bytes.");
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<string> InitiateMultipartAsync(string key, CancellationToken cancellationToken = default)
    {
        _paths.Resolve(key);
        var uploadId = Guid.NewGuid().ToString("N");
        var folder = UploadFolder(uploadId);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, UploadKeyFile), key, Encoding.UTF8);
        return Task.FromResult(uploadId);
    }

    /// <summary>
    /// A multipart upload whose parts all have <paramref name="partSize"/> bytes but the last (a declared plan): each
    /// part is written straight into one file at its offset, so completion checks the parts and renames that file
    /// instead of copying every byte once more. Parts that do not fit the size are refused at upload or completion.
    /// </summary>
    public Task<string> InitiateMultipartAsync(string key, long partSize, CancellationToken cancellationToken = default) =>
        InitiateMultipartAsync(key, partSize, 0, cancellationToken);

    /// <summary>
    /// As <see cref="InitiateMultipartAsync(string, long, CancellationToken)"/>, with the object's whole size reserved
    /// on disk at once (fallocate): a full disk fails the start, not part 90, and parts then write into allocated
    /// space instead of reserving blocks page by page.
    /// </summary>
    public async Task<string> InitiateMultipartAsync(string key, long partSize, long totalSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSize);
        var uploadId = await InitiateMultipartAsync(key, cancellationToken).ConfigureAwait(false);
        var folder = UploadFolder(uploadId);
        try
        {
            if (totalSize > 0)
            {
                // .NET keeps the length 0 (FALLOC_FL_KEEP_SIZE); completion sets it. Ignored where the file system cannot.
                using var reserved = File.OpenHandle(Path.Combine(folder, AssemblyFile), FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, FileOptions.None, totalSize);
            }

            await File.WriteAllTextAsync(Path.Combine(folder, LayoutFile), partSize.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }

        return uploadId;
    }

    public Task<string> UploadPartAsync(string key, string uploadId, int partNumber, Stream content, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return UploadPartAsync(key, uploadId, partNumber, content, null, length, null, cancellationToken);
    }

    /// <summary>
    /// A part read straight from a request body's pipe (the silo's presigned part URLs): in an upload with a declared
    /// part size the pipe's buffers are written at the part's offset with one vectored write per batch, no copy in
    /// between. With <paramref name="contentMd5"/> (the request's Content-MD5, base64) the body is hashed in the same
    /// pass, a body with another digest is refused (<see cref="ContentDigestMismatchException"/>, the part stays
    /// absent) and the ETag is that MD5. Without it, a part of a declared-size upload is not hashed (MD5 would cost a
    /// core at disk speed): its ETag is opaque, 32 hex digits unique to this write, as S3 answers for encrypted
    /// parts and MinIO for bodies sent without Content-MD5. Parts of uploads without a declared size keep MD5 ETags.
    /// </summary>
    public Task<string> UploadPartAsync(string key, string uploadId, int partNumber, PipeReader body, long length, string? contentMd5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return UploadPartAsync(key, uploadId, partNumber, null, body, length, contentMd5, cancellationToken);
    }

    private async Task<string> UploadPartAsync(
        string key, string uploadId, int partNumber, Stream? content, PipeReader? body, long length, string? contentMd5, CancellationToken cancellationToken)
    {
        if (partNumber is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(partNumber), partNumber, "A part number is between 1 and 10000.");
        }

        var expected = contentMd5 is null ? null : ContentMd5.Decode(contentMd5);
        var folder = RequireUpload(key, uploadId);
        try
        {
            // Waits while the upload completes (then it is gone) and while another write of this part runs (then
            // this one replaces it whole): two bodies never mix in one part, nor a part in a published object.
            using var uploadLock = await LockAsync(Path.Combine(folder, UploadLockFile), exclusive: false, cancellationToken).ConfigureAwait(false);
            using var partLock = await LockAsync(PartPath(folder, partNumber) + ".lock", exclusive: true, cancellationToken).ConfigureAwait(false);
            RequireUpload(key, uploadId);
            return await UploadLockedPartAsync(key, folder, partNumber, content, body, length, expected, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException && !UploadExists(key, uploadId))
        {
            // Completed or aborted while this part was on its way.
            throw NoSuchUpload(key, uploadId, e);
        }
    }

    private async Task<string> UploadLockedPartAsync(
        string key, string folder, int partNumber, Stream? content, PipeReader? body, long length, byte[]? expected, CancellationToken cancellationToken)
    {
        if (ReadPartSize(folder) is { } partSize)
        {
            if (body is not null)
            {
                return await UploadPartInPlaceAsync(key, folder, partNumber, partSize, body, length, expected, cancellationToken).ConfigureAwait(false);
            }

            var reader = PipeReader.Create(content!, new StreamPipeReaderOptions(bufferSize: 1 << 20, minimumReadSize: 256 * 1024, leaveOpen: true));
            try
            {
                return await UploadPartInPlaceAsync(key, folder, partNumber, partSize, reader, length, expected, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }

        var temp = NewTempPath();
        try
        {
            string etag;
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
            {
                etag = await CopyHashedAsync(content ?? body!.AsStream(leaveOpen: true), output, length, cancellationToken).ConfigureAwait(false);
            }

            if (expected is not null && !Convert.FromHexString(etag).AsSpan().SequenceEqual(expected))
            {
                throw new ContentDigestMismatchException(Bucket, key);
            }

            File.Move(temp, PartPath(folder, partNumber), overwrite: true);
            await File.WriteAllTextAsync(PartPath(folder, partNumber) + ".etag", etag, cancellationToken).ConfigureAwait(false);
            return etag;
        }
        finally
        {
            DeleteTemp(temp);
        }
    }

    private async Task<string> UploadPartInPlaceAsync(
        string key, string folder, int partNumber, long partSize, PipeReader body, long length, byte[]? expectedMd5, CancellationToken cancellationToken)
    {
        if (length > partSize)
        {
            throw new IOException($"The part body has {length} bytes, more than the upload's part size of {partSize}.");
        }

        // The part's metadata goes first, so a part being rewritten is never listed with its old ETag and new bytes.
        var etagFile = PartPath(folder, partNumber) + ".etag";
        File.Delete(etagFile);
        using var md5 = expectedMd5 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        long written = 0;
        var assembly = Path.Combine(folder, AssemblyFile);
        using (var writer = AssemblyWriters.Join(assembly))
        using (var file = File.OpenHandle(assembly, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
        using (var part = new AssemblyPartWriter(writer, file, UseUncachedPartWrites ? PosixFiles.TryOpenUncached(assembly) : null, (partNumber - 1) * partSize))
        {
            while (true)
            {
                // Batches well under Kestrel's request buffer (1 MB by default), which stops reading the socket when full.
                var want = (int)Math.Min(PartWriteBatchBytes, length < 0 ? PartWriteBatchBytes : Math.Max(1, length - written));
                var result = await body.ReadAtLeastAsync(want, cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (written + buffer.Length > partSize)
                {
                    throw new IOException($"The part body has more than the upload's part size of {partSize} bytes.");
                }

                if (!buffer.IsEmpty)
                {
                    foreach (var segment in buffer)
                    {
                        md5?.AppendData(segment.Span);
                    }

                    // In turn with the upload's other part writers (meeting in the kernel, they would spin).
                    await part.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                    written += buffer.Length;
                }

                body.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            await part.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (part.UncachedRefused && UseUncachedPartWrites)
            {
                UseUncachedPartWrites = false;
                StorageLog.UncachedWritesRefused(Logger, Bucket);
            }

            Interlocked.Add(ref _uncachedPartBytes, part.UncachedBytes);
        }

        if (length >= 0 && written != length)
        {
            throw new IOException($"The part body ended after {written} of {length} bytes.");
        }

        string etag;
        if (md5 is null)
        {
            etag = string.Create(CultureInfo.InvariantCulture, $"{_instanceId}{Interlocked.Increment(ref _etagCounter):x16}");
        }
        else
        {
            var digest = md5.GetHashAndReset();
            if (!digest.AsSpan().SequenceEqual(expectedMd5))
            {
                throw new ContentDigestMismatchException(Bucket, key);
            }

            etag = Convert.ToHexStringLower(digest);
        }

        await File.WriteAllTextAsync(PartPath(folder, partNumber) + ".size", written.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(etagFile, etag, cancellationToken).ConfigureAwait(false);
        return etag;
    }

    public async Task<ObjectInfo> CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var folder = RequireUpload(key, uploadId);
        if (parts.Count == 0)
        {
            throw new ArgumentException("A multipart upload completes with at least one part.", nameof(parts));
        }

        SafeFileHandle? uploadLock;
        try
        {
            uploadLock = PosixFiles.TryLock(Path.Combine(folder, UploadLockFile), exclusive: true);
        }
        catch (DirectoryNotFoundException)
        {
            uploadLock = null;
            RequireUpload(key, uploadId); // aborted or completed meanwhile: not found
        }

        if (uploadLock is null)
        {
            throw new Uploads.IncompleteUploadException(
                $"A part of the multipart upload '{uploadId}' for '{key}' is being written (or the upload is completing): complete it when the part has been answered; the upload stays open.");
        }

        using (uploadLock)
        {
            RequireUpload(key, uploadId);
            try
            {
                return await CompleteLockedAsync(key, uploadId, folder, parts, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException or Uploads.IncompleteUploadException && !UploadExists(key, uploadId))
            {
                // Aborted while completing (abort takes no lock): its parts vanished because the upload is gone.
                throw NoSuchUpload(key, uploadId, e);
            }
        }
    }

    private async Task<ObjectInfo> CompleteLockedAsync(string key, string uploadId, string folder, IReadOnlyList<CompletedPart> parts, CancellationToken cancellationToken)
    {
        var md5s = new byte[parts.Count * 16];
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (i > 0 && part.PartNumber <= parts[i - 1].PartNumber)
            {
                throw new ArgumentException("Parts must be listed in ascending part-number order.", nameof(parts));
            }

            // A part missing or with another ETag is what a rewrite between the caller's ListParts and this
            // completion leaves (or a rewrite cut short, which removes the part): the parts as they are now do not
            // match the list, so the upload stays open for a fresh list, as for any part not yet there.
            var stored = ReadPartFile(PartPath(folder, part.PartNumber) + ".etag");
            if (stored is null || !string.Equals(stored, part.ETag.Trim('"'), StringComparison.OrdinalIgnoreCase))
            {
                throw new Uploads.IncompleteUploadException(stored is null
                    ? $"Part {part.PartNumber} of the multipart upload '{uploadId}' for '{key}' is not there (not uploaded, or a rewrite of it failed); the upload stays open."
                    : $"Part {part.PartNumber} of the multipart upload '{uploadId}' for '{key}' has the ETag '{stored}', not '{part.ETag}' (rewritten since it was listed?); the upload stays open.");
            }

            Convert.FromHexString(stored).CopyTo(md5s, i * 16);
        }

        var target = _paths.Resolve(key);
        if (ReadPartSize(folder) is { } partSize)
        {
            return await CompleteInPlaceAsync(key, folder, target, parts, partSize, md5s, cancellationToken).ConfigureAwait(false);
        }

        var temp = NewTempPath();
        long size = 0;
        try
        {
            // The first part becomes the object file by rename; only the others are copied onto its end.
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var firstPart = PartPath(folder, parts[0].PartNumber);
            File.Move(firstPart, temp);
            var firstSize = new FileInfo(temp).Length;
            try
            {
                await using (var output = new FileStream(temp, FileMode.Append, FileAccess.Write, FileShare.None, 0))
                {
                    size = firstSize;
                    foreach (var part in parts.Skip(1))
                    {
                        await using var input = new FileStream(PartPath(folder, part.PartNumber), FileMode.Open, FileAccess.Read, FileShare.Read, 0);
                        await input.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
                        size += input.Length;
                    }
                }

                // The attributes go with the file: the object never shows without its ETag.
                LocalObjectAttributes.Save(temp, MultipartETag(md5s, parts.Count), null);
                File.Move(temp, target, overwrite: true);
            }
            catch when (File.Exists(temp))
            {
                // Put the first part back as it was, so the upload can still be completed (or aborted) later.
                using (var restore = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None))
                {
                    restore.SetLength(firstSize);
                }

                File.Move(temp, firstPart);
                throw;
            }

            var etag = MultipartETag(md5s, parts.Count);
            RemoveUpload(folder);
            return new ObjectInfo(key, size, etag, File.GetLastWriteTimeUtc(target));
        }
        finally
        {
            DeleteTemp(temp);
        }
    }

    public Task<IReadOnlyList<UploadedPart>> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        var folder = RequireUpload(key, uploadId);
        var parts = new List<UploadedPart>();
        try
        {
            foreach (var etagFile in new DirectoryInfo(folder).EnumerateFiles("*.part.etag"))
            {
                // A part still being written has no ETag file yet: it comes last.
                var partPath = etagFile.FullName[..^".etag".Length];
                if (!int.TryParse(Path.GetFileNameWithoutExtension(partPath), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    continue;
                }

                // Parts are listed without their lock: a part rewritten meanwhile (its ETag gone or changed between
                // the reads) is left out, as one still being written is, and never listed with another write's size.
                if (ReadPartFile(etagFile.FullName) is not { } etag ||
                    (File.Exists(partPath + ".size") ? ReadPartFile(partPath + ".size") : new FileInfo(partPath).Length.ToString(CultureInfo.InvariantCulture)) is not { } size ||
                    ReadPartFile(etagFile.FullName) != etag)
                {
                    continue;
                }

                parts.Add(new UploadedPart(number, etag, long.Parse(size, CultureInfo.InvariantCulture), etagFile.LastWriteTimeUtc));
            }
        }
        catch (DirectoryNotFoundException e)
        {
            throw NoSuchUpload(key, uploadId, e);
        }

        parts.Sort((a, b) => a.PartNumber.CompareTo(b.PartNumber));
        return Task.FromResult<IReadOnlyList<UploadedPart>>(parts);
    }

    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        // Only the upload of this key (as S3: another key's upload is not this one); aborting twice is no error.
        if (UploadExists(key, uploadId))
        {
            RemoveUpload(UploadFolder(uploadId));
        }

        return Task.CompletedTask;
    }

    public Uri Presign(PresignRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _paths.Resolve(request.Key);
        if (_signer is null || _publicBaseUrl is null)
        {
            throw new InvalidOperationException(
                $"Local bucket '{Bucket}' cannot presign: set {ObjectStorageOptions.SectionName}:LocalPublicBaseUrl to the silo URL that serves /_objects.");
        }

        return _signer.CreateUrl(_publicBaseUrl, Bucket, request);
    }

    private async Task<ObjectInfo> CompleteInPlaceAsync(string key, string folder, string target, IReadOnlyList<CompletedPart> parts, long partSize, byte[] md5s, CancellationToken cancellationToken)
    {
        // The parts sit at their offsets: only 1..N, full-size but the last, make one object.
        long size = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var partFile = PartPath(folder, parts[i].PartNumber);
            var partLength = long.Parse(await File.ReadAllTextAsync(partFile + ".size", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var last = i == parts.Count - 1;
            if (parts[i].PartNumber != i + 1 || (!last && partLength != partSize) || partLength is 0 && parts.Count > 1)
            {
                throw new Uploads.IncompleteUploadException(
                    $"Part {parts[i].PartNumber} ({partLength} bytes) does not fit this upload's layout: parts 1 to N, each of {partSize} bytes but the last; the upload stays open.");
            }

            size += partLength;
        }

        var assembly = Path.Combine(folder, AssemblyFile);
        await using (var file = new FileStream(assembly, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 0))
        {
            file.SetLength(size);
        }

        File.SetLastWriteTimeUtc(assembly, DateTime.UtcNow);
        var etag = MultipartETag(md5s, parts.Count);
        LocalObjectAttributes.Save(assembly, etag, null); // before the rename: the object never shows without its ETag
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(assembly, target, overwrite: true);
        RemoveUpload(folder);
        return new ObjectInfo(key, size, etag, File.GetLastWriteTimeUtc(target));
    }

    /// <summary>
    /// Takes the lock on <paramref name="path"/>, waiting (without holding a thread) while a conflicting one is held:
    /// part writes hold theirs for as long as their client sends, so this is not a short spin.
    /// </summary>
    private static async Task<SafeFileHandle> LockAsync(string path, bool exclusive, CancellationToken cancellationToken)
    {
        var delay = 2;
        while (true)
        {
            if (PosixFiles.TryLock(path, exclusive) is { } locked)
            {
                return locked;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>
    /// Removes an upload's folder: first renamed out of its place (atomic), so a part write still on its way finds
    /// no upload and creates nothing in the folder being deleted; its bytes go with the folder.
    /// </summary>
    private void RemoveUpload(string folder)
    {
        var gone = string.Create(CultureInfo.InvariantCulture, $"{folder}-gone-{_instanceId}{Interlocked.Increment(ref _tempCounter):x16}");
        try
        {
            Directory.Move(folder, gone);
        }
        catch (DirectoryNotFoundException)
        {
            return; // removed by a concurrent abort
        }

        try
        {
            Directory.Delete(gone, recursive: true);
        }
        catch (IOException e)
        {
            // The upload is already out of reach (and the object, if completing, published): what is left of the
            // folder goes with the next sweep rather than failing the caller.
            StorageLog.TempCleanupFailed(Logger, gone, e);
        }
    }

    /// <summary>A part's ETag or size file, or null when it is gone (the part is being rewritten).</summary>
    private static string? ReadPartFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>S3's multipart ETag: MD5 of the parts' MD5 bytes, then the part count.</summary>
    private static string MultipartETag(byte[] partMd5s, int partCount) =>
        Convert.ToHexStringLower(MD5.HashData(partMd5s)) + "-" + partCount.ToString(CultureInfo.InvariantCulture);

    private static long? ReadPartSize(string folder)
    {
        var layout = Path.Combine(folder, LayoutFile);
        return File.Exists(layout) ? long.Parse(File.ReadAllText(layout), CultureInfo.InvariantCulture) : null;
    }

    internal string NewTempPath()
    {
        EnsureTempFolder();
        return TempPathFor(Interlocked.Increment(ref _tempCounter));
    }

    /// <summary>
    /// A new, empty file for the object at <paramref name="finalPath"/>, opened for writing, and its temp path.
    /// Where the file system allows, the file is unnamed and in the object's own folder (temp path null): creating
    /// it then contends with no other writer for the temp folder, publishing it is a link within one folder rather
    /// than a rename across folders (which Linux serialises per file system), and a crash leaves nothing behind.
    /// </summary>
    internal (SafeFileHandle File, string? TempPath) CreateObjectFile(string finalPath)
    {
        if (UseUnnamedFiles)
        {
            var folder = Path.GetDirectoryName(finalPath)!;
            SafeFileHandle? file;
            try
            {
                file = PosixFiles.TryCreateUnnamed(folder);
            }
            catch (DirectoryNotFoundException)
            {
                Directory.CreateDirectory(folder);
                file = PosixFiles.TryCreateUnnamed(folder);
            }

            if (file is not null)
            {
                return (file, null);
            }

            UseUnnamedFiles = false; // this file system cannot: named temp files from now on
        }

        return CreateTempFile();
    }

    /// <summary>
    /// Makes a finished file from <see cref="CreateObjectFile"/> the object <paramref name="key"/> at
    /// <paramref name="finalPath"/> (from <see cref="LocalKeyResolver.ResolveForCreate"/>), atomically; closes the file.
    /// </summary>
    internal void Publish(SafeFileHandle file, string? tempPath, string key, string finalPath)
    {
        if (tempPath is null)
        {
            using (file)
            {
                if (PosixFiles.TryLink(file, finalPath))
                {
                    return;
                }

                _paths.EnsureLastSegmentStaysInside(key, finalPath);

                // The key already holds an object (or a folder): name the file in the temp folder and replace what
                // is there in one rename, so readers see the old object or the new one and never neither.
                tempPath = NewTempPath();
                if (!PosixFiles.TryLink(file, tempPath))
                {
                    throw new IOException($"The temp name '{tempPath}' is taken.");
                }
            }

            try
            {
                MoveIntoPlace(tempPath, finalPath);
            }
            catch
            {
                DeleteTemp(tempPath);
                throw;
            }

            return;
        }

        file.Dispose();
        _paths.EnsureLastSegmentStaysInside(key, finalPath);
        MoveIntoPlace(tempPath, finalPath);
    }

    /// <summary>A new, empty temp file opened for writing (no lock: the name is unique and only its writer uses it).</summary>
    internal (SafeFileHandle File, string Path) CreateTempFile()
    {
        var path = TempPathFor(Interlocked.Increment(ref _tempCounter));
        if (Volatile.Read(ref _tempFolderReady))
        {
            try
            {
                return (OpenNewFile(path), path);
            }
            catch (DirectoryNotFoundException)
            {
                // The temp folder was removed behind us (the bucket folder emptied by hand): make it again.
            }
        }

        EnsureTempFolder();
        return (OpenNewFile(path), path);
    }

    /// <summary>
    /// Renames a finished temp file over <paramref name="finalPath"/>. The parent folder is assumed to exist (it
    /// does for every object after the first in a folder) and made only when the rename says it is missing.
    /// </summary>
    internal void MoveIntoPlace(string tempPath, string finalPath)
    {
        try
        {
            PosixFiles.Rename(tempPath, finalPath);
        }
        catch (DirectoryNotFoundException) when (File.Exists(tempPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            PosixFiles.Rename(tempPath, finalPath);
        }
    }

    /// <summary>An ETag for an unhashed write: unique per write and per store instance, shaped like S3's multipart ETags.</summary>
    internal string NextOpaqueETag() =>
        string.Create(CultureInfo.InvariantCulture, $"{_instanceId}{Interlocked.Increment(ref _etagCounter):x16}-1");

    private string TempPathFor(long n) =>
        Path.Combine(_paths.TempFolder, string.Create(CultureInfo.InvariantCulture, $"{_instanceId}{n:x16}.tmp"));

    private static SafeFileHandle OpenNewFile(string path) => PosixFiles.CreateNew(path);

    private void EnsureTempFolder()
    {
        Directory.CreateDirectory(_paths.TempFolder);
        Volatile.Write(ref _tempFolderReady, true);
        if (Interlocked.Exchange(ref _staleSwept, 1) == 0)
        {
            SweepStaleTemp(DateTime.UtcNow);
        }
    }

    /// <summary>Removes leftovers of writers that died, once per store; by age, so live writers of other silos sharing the folder are safe.</summary>
    internal void SweepStaleTemp(DateTime now)
    {
        try
        {
            foreach (var file in new DirectoryInfo(_paths.TempFolder).EnumerateFiles("*.tmp"))
            {
                if (now - file.LastWriteTimeUtc > StaleTempAge)
                {
                    DeleteTemp(file.FullName);
                }
            }

            var uploads = new DirectoryInfo(Path.Combine(_paths.TempFolder, MultipartFolder));
            if (uploads.Exists)
            {
                foreach (var upload in uploads.EnumerateDirectories())
                {
                    var lastTouched = upload.EnumerateFiles().Select(f => f.LastWriteTimeUtc).DefaultIfEmpty(upload.LastWriteTimeUtc).Max();
                    // A folder renamed for removal (RemoveUpload) whose remover died goes at once.
                    if (!IsUploadId(upload.Name) || now - lastTouched > StaleUploadAge)
                    {
                        upload.Delete(recursive: true);
                    }
                }
            }
        }
        catch (IOException e)
        {
            StorageLog.TempCleanupFailed(Logger, _paths.TempFolder, e);
        }
    }

    internal void DeleteTemp(string? path)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            StorageLog.TempCleanupFailed(Logger, path, e);
        }
    }

    private static async Task<string> CopyHashedAsync(Stream input, Stream output, long length, CancellationToken cancellationToken) =>
        (await CopyHashedAsync(input, output, length, long.MaxValue, cancellationToken).ConfigureAwait(false)).ETag;

    /// <summary>Copies (exactly <paramref name="length"/> bytes when known, at most <paramref name="max"/>) and hashes.</summary>
    private static async Task<(string ETag, long Written)> CopyHashedAsync(Stream input, Stream output, long length, long max, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long total = 0;
            while (length < 0 || total < length)
            {
                var want = length < 0 ? buffer.Length : (int)Math.Min(buffer.Length, length - total);
                var n = await input.ReadAsync(buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
                if (total > max)
                {
                    throw new IOException($"The part body has more than the upload's part size of {max} bytes.");
                }

                md5.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            if (length >= 0 && total != length)
            {
                throw new IOException($"The part body ended after {total} of {length} bytes.");
            }

            return (Convert.ToHexStringLower(md5.GetHashAndReset()), total);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ObjectInfo ToInfo(string key, FileInfo file)
    {
        var (etag, contentType) = LocalObjectAttributes.Load(file);
        return new ObjectInfo(key, file.Length, etag, file.LastWriteTimeUtc, contentType);
    }

    private static bool IsTempFolder(ref FileSystemEntry entry, string tempFolder) =>
        entry.IsDirectory && entry.FileName.SequenceEqual(LocalKeyResolver.TempFolderName) &&
        entry.Directory.Length == tempFolder.Length - LocalKeyResolver.TempFolderName.Length - 1;

    private static string PartPath(string folder, int partNumber) =>
        Path.Combine(folder, partNumber.ToString("D5", CultureInfo.InvariantCulture) + ".part");

    private static bool IsUploadId(string? uploadId) =>
        uploadId is { Length: 32 } && uploadId.All(char.IsAsciiHexDigitLower);

    private static string? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The continuation token is not one this store issued.", nameof(token), e);
        }
    }

    private static string EncodeToken(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastKey));

    // Enumerate from the deepest folder the prefix names, not the whole bucket.
    private string StartFolder(string prefix)
    {
        var slash = prefix.LastIndexOf('/');
        if (slash <= 0)
        {
            return _paths.Root;
        }

        try
        {
            return _paths.Resolve(prefix[..(slash + 1)]);
        }
        catch (InvalidObjectKeyException)
        {
            return _paths.Root; // no stored key can match an invalid prefix; the filter below finds nothing
        }
    }

    private string UploadFolder(string uploadId) => Path.Combine(_paths.TempFolder, MultipartFolder, uploadId);

    private string RequireUpload(string key, string uploadId) =>
        UploadExists(key, uploadId)
            ? UploadFolder(uploadId)
            : throw NoSuchUpload(key, uploadId);

    private ObjectNotFoundException NoSuchUpload(string key, string uploadId, Exception? inner = null) =>
        new(Bucket, key, $"The multipart upload '{uploadId}' for '{key}' does not exist in bucket '{Bucket}'.", inner);

    private bool UploadExists(string key, string uploadId)
    {
        if (!IsUploadId(uploadId))
        {
            return false;
        }

        try
        {
            return File.ReadAllText(Path.Combine(UploadFolder(uploadId), UploadKeyFile), Encoding.UTF8) == key;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}
