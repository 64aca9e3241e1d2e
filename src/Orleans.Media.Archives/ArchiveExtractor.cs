using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Archives.Managed;
using Orleans.Media.Archives.Native;
using Orleans.Media.Archives.Pipeline;
using Orleans.Media.Archives.Zip;

namespace Orleans.Media.Archives;

/// <summary>
/// The archive engine over any seekable stream: list without extracting, or extract all / selected entries into
/// object storage through the bounded decode → upload pipeline. Safe to share; every call is independent.
/// <para>
/// Decisions: folders are reported (<see cref="ExtractedEntry.IsFolder"/>) but no marker object is written;
/// links inside the root are written as copies of the file they point to, links to folders are reported and
/// skipped, links that leave the root are refused; names are checked before any byte of the entry is written; a
/// corrupt entry (undecodable data, a CRC or size that does not match its header) is never written and stops the
/// extraction, leaving the entries before it.
/// </para>
/// </summary>
public sealed class ArchiveExtractor(ILogger<ArchiveExtractor>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<ArchiveExtractor>.Instance;

    /// <summary>Lists every entry without decoding data. Throws <see cref="ArchiveException"/> for unreadable archives.</summary>
    public Task<ArchiveListing> ListAsync(Stream source, IReadOnlyList<string>? passphrases = null, CancellationToken cancellationToken = default)
    {
        RequireSeekable(source);
        return Task.Factory.StartNew(
            () => List(source, passphrases ?? [], cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Extracts into <paramref name="target"/>. Limits and the declared-size bomb check run before anything is
    /// written; the result lists every entry's outcome and, when extraction stopped early, why.
    /// Throws <see cref="OperationCanceledException"/> on cancellation (the checkpoint callback has seen what finished).
    /// </summary>
    public Task<ExtractionResult> ExtractAsync(Stream source, ExtractionTarget target, ExtractionOptions options, CancellationToken cancellationToken = default)
    {
        RequireSeekable(source);
        options.Validate();

        // A file can be read at several places at once: parallel zip decoding opens it once per decoder thread.
        Func<Stream>? openSource = source is FileStream { Name: var path } ? () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1) : null;
        return new ExtractionRun(source, openSource, target, options, _logger, cancellationToken).RunAsync();
    }

    /// <summary>As <see cref="ExtractAsync(Stream, ExtractionTarget, ExtractionOptions, CancellationToken)"/>, with <paramref name="openSource"/> opening more independent streams of the same archive (one per parallel zip decoder).</summary>
    internal Task<ExtractionResult> ExtractAsync(Stream source, Func<Stream> openSource, ExtractionTarget target, ExtractionOptions options, CancellationToken cancellationToken)
    {
        RequireSeekable(source);
        options.Validate();
        return new ExtractionRun(source, openSource, target, options, _logger, cancellationToken).RunAsync();
    }

    private static ArchiveListing List(Stream source, IReadOnlyList<string> passphrases, CancellationToken cancellationToken)
    {
        var sniffed = ArchiveSignature.Sniff(source);
        using var managed = ManagedDecoding.Choose(source, sniffed, passphrases, limits: null);
        if (managed is not null)
        {
            return new ArchiveListing(managed.Format, source.Length, [.. managed.Entries.Select((e, i) => new ArchiveEntry(
                i, EntryPaths.Normalize(e.Name), e.Kind, e.Size ?? 0, managed.PackedSizes[i], e.IsEncrypted || managed.HeadersEncrypted, e.ModifiedTime,
                e.LinkTarget, e.NameWasEscaped))]);
        }

        source.Seek(0, SeekOrigin.Begin);
        List<ArchiveEntry> entries;
        ArchiveFormat format;
        try
        {
            using var reader = ArchiveReader.Open(source, passphrases);
            var walked = HeaderWalk.Read(reader, source.Length, limits: null, tolerateDamage: false, cancellationToken);
            entries = [.. walked.Select((w, i) => new ArchiveEntry(
                i, EntryPaths.Normalize(w.Entry.Name), w.Entry.Kind, w.Entry.Size ?? 0, w.PackedSpan, w.Entry.IsEncrypted, w.Entry.ModifiedTime,
                w.Entry.LinkTarget, w.Entry.NameWasEscaped))];
            format = reader.Format;
        }
        catch (ArchiveException ex) when (ex.Code == ArchiveErrorCode.EncryptionNotSupported && ManagedDecoding.Handles(sniffed) && passphrases.Count == 0)
        {
            throw new ArchiveException(ArchiveErrorCode.NoPassword, "Passphrase required: the archive's headers are encrypted and no password was given", null, ex);
        }

        if (format == ArchiveFormat.SevenZip && ArchivePlan.SevenZipPackedSizes(source, entries.Count) is { } sevenZip)
        {
            entries = [.. entries.Select((e, i) => e with { PackedSize = sevenZip[i] })];
        }
        else if (format == ArchiveFormat.Zip && ZipDirectory.TryReadEnd(source) is { } directory)
        {
            var packed = directory.ReadEntries(source).ToLookup(d => EntryPaths.Normalize(d.Name), d => d.CompressedSize);
            var used = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < entries.Count; i++)
            {
                var sizes = packed[entries[i].PathName].ToList();
                used.TryGetValue(entries[i].PathName, out var n);
                used[entries[i].PathName] = n + 1;
                entries[i] = entries[i] with { PackedSize = n < sizes.Count ? sizes[n] : 0 };
            }
        }

        return new ArchiveListing(format, source.Length, entries);
    }

    private static void RequireSeekable(Stream source)
    {
        if (!source.CanSeek || !source.CanRead)
        {
            throw new ArgumentException("The archive stream must be readable and seekable (7z and zip read their directory from the end).", nameof(source));
        }
    }
}
