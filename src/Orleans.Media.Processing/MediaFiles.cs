using Microsoft.Extensions.Options;
using Orleans.Media.Processing.Tools;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Processing;

/// <summary>
/// Moves bytes between storage and the files tools read and write: a local-folder object is read in place; any other
/// is copied into the run's folder (bounded by <see cref="ProcessingOptions.MaxInputBytes"/>). Outputs are streamed
/// into storage (multipart for large ones, by the store's write stream).
/// </summary>
public sealed class MediaFiles(IObjectStorage storage, IOptions<ProcessingOptions> options)
{
    public IObjectStorage Storage => storage;

    /// <summary>The data plane's options (limits the in-process actions apply themselves).</summary>
    public ProcessingOptions Options => options.Value;

    /// <summary>A path a tool can open for <paramref name="source"/>.</summary>
    public async Task<string> LocalPathAsync(ObjectUri source, ScratchFolder scratch, CancellationToken cancellationToken)
    {
        var store = storage.GetBucket(source.Bucket);
        if (store is LocalObjectStore local)
        {
            return local.FilePathOf(source.Key) ?? throw new ObjectNotFoundException(source.Bucket, source.Key);
        }

        // The open learns the length (S3: its own HEAD, whose ETag the reads then pin): no separate HEAD before it.
        // It fetches no bytes yet, so an object over the limit costs nothing more to refuse.
        await using var input = await store.OpenReadAsync(source.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (input.Length > options.Value.MaxInputBytes)
        {
            throw new InvalidDataException($"The object has {input.Length} bytes, more than the {options.Value.MaxInputBytes} a run may copy.");
        }

        // Keep the file name: LibreOffice and ffmpeg detect formats by extension too.
        var path = Path.Combine(scratch.Sub("in"), SafeFileName(source.Key));
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false);
        await input.CopyToAsync(output, 1 << 20, cancellationToken).ConfigureAwait(false);
        return path;
    }

    /// <summary>Writes a tool's output file to <paramref name="target"/>.</summary>
    public async Task<Actions.ActionOutput> UploadAsync(string file, ObjectUri target, string? contentType, CancellationToken cancellationToken)
    {
        var store = storage.GetBucket(target.Bucket);
        await using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: false);
        await using var write = store.OpenWrite(target.Key, new WriteOptions { ContentType = contentType });
        await input.CopyToAsync(write, 1 << 20, cancellationToken).ConfigureAwait(false);
        var info = await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return new Actions.ActionOutput(target, info.Size);
    }

    internal static string SafeFileName(string key)
    {
        var name = Path.GetFileName(key);
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray();
        var safe = new string(chars).TrimStart('.', '-');
        return safe.Length == 0 ? "input" : safe;
    }
}
