using Orleans.Media.Archives.Native;
using Orleans.Media.Archives.Zip;

namespace Orleans.Media.Archives;

/// <summary>
/// What is known before any entry is extracted: the format, and every entry's name and declared sizes — from
/// the zip central directory, or from a header-only listing pass for the formats that have none to read.
/// Limits are enforced while the plan is built, so a violation stops before anything is written.
/// </summary>
internal sealed class ArchivePlan
{
    // Zip entries are kept in local-header order, libarchive's reading order: entry i is normally what libarchive
    // returns at index i, so its packed size needs no lookup structure (a name → queue map held ~10 MB on 80,000
    // entries). Only when a name does not match its position is the by-name map built, once.
    private readonly bool _matchByName;
    private Dictionary<string, Queue<long>>? _packedByName;

    private ArchivePlan(ArchiveFormat format, long archiveSize, IReadOnlyList<PlannedEntry> entries, bool entriesAreInReadOrder)
    {
        Format = format;
        ArchiveSize = archiveSize;
        Entries = entries;
        _matchByName = !entriesAreInReadOrder;
    }

    public ArchiveFormat Format { get; }

    public long ArchiveSize { get; }

    public IReadOnlyList<PlannedEntry> Entries { get; }

    /// <summary>
    /// The packed size of the entry libarchive returns at <paramref name="index"/>. libarchive walks a zip in
    /// local-header order, which need not be directory order, so zip sizes are matched by name.
    /// </summary>
    public long PackedSizeOf(int index, string name)
    {
        if (!_matchByName)
        {
            return index < Entries.Count ? Entries[index].PackedSize : 0;
        }

        if (_packedByName is null && index < Entries.Count && string.Equals(Entries[index].Name, name, StringComparison.Ordinal))
        {
            return Entries[index].PackedSize;
        }

        // An archive whose reading order is not its local-header order (or a name libarchive reads differently):
        // match by name from here on, the n-th entry of a name taking the n-th packed size of that name. The entries
        // before this index were read (or skipped by a resume) in position: only the rest go into the map, or a
        // duplicate name would take an earlier entry's size.
        if (_packedByName is null)
        {
            _packedByName = new Dictionary<string, Queue<long>>(StringComparer.Ordinal);
            foreach (var e in Entries.Skip(index))
            {
                if (!_packedByName.TryGetValue(e.Name, out var q))
                {
                    _packedByName[e.Name] = q = new Queue<long>(1);
                }

                q.Enqueue(e.PackedSize);
            }
        }

        return _packedByName.TryGetValue(name, out var sizes) && sizes.Count > 0 ? sizes.Dequeue() : 0;
    }

    /// <summary>
    /// Stored names that libarchive will hand back cut short at an embedded NUL (it returns C strings): the part
    /// before the NUL. Entries with these names are refused rather than written under the truncated name.
    /// </summary>
    public IReadOnlySet<string> NulTruncatedNames { get; private init; } = new HashSet<string>();

    /// <summary>The zip's directory when the plan came from it (null for other formats or a zip without one).</summary>
    public ZipDirectory? Zip { get; private set; }

    public IReadOnlyList<ZipDirectoryEntry> ZipEntries { get; private set; } = [];

    /// <summary>
    /// Lets the zip's directory go (its records and raw bytes: ~14 MB on 80,000 entries) once the run reads the archive
    /// sequentially and whole: only the parallel decoder and the selected-entries view use it after planning.
    /// </summary>
    public void ReleaseZipDirectory()
    {
        Zip = null;
        ZipEntries = [];
    }

    public static ArchivePlan Build(Stream stream, IReadOnlyList<string> passphrases, ArchiveLimits limits)
    {
        var size = stream.Length;
        ArchiveFormat format;
        stream.Seek(0, SeekOrigin.Begin);
        using (var probe = ArchiveReader.Open(stream, passphrases))
        {
            if (!probe.MoveNext(out _, out _))
            {
                return new ArchivePlan(probe.Format, size, [], entriesAreInReadOrder: true);
            }

            format = probe.Format;
        }

        CheckSize(format, size, limits);
        if (format == ArchiveFormat.Zip && ZipDirectory.TryReadEnd(stream) is { } directory)
        {
            return FromZipDirectory(stream, directory, size, limits);
        }

        // No directory to read (or a zip cut before its central directory): list headers, skipping data.
        var entries = ListingPass(stream, passphrases, limits);
        if (format == ArchiveFormat.SevenZip && SevenZipPackedSizes(stream, entries.Count) is { } packed)
        {
            entries = [.. entries.Select((e, i) => e with { PackedSize = packed[i] })];
        }

        return new ArchivePlan(format, size, entries, entriesAreInReadOrder: true);
    }

    /// <summary>The plan of an archive SharpCompress decodes: its listing, in reading order, under the same limits.</summary>
    public static ArchivePlan FromManaged(Managed.ManagedChoice choice, long size, ArchiveLimits limits) =>
        FromListed(choice.Format, choice.Entries, choice.PackedSizes, size, limits);

    /// <summary>A plan from entries a decoder listed in its reading order (SharpCompress, the native 7z directory).</summary>
    public static ArchivePlan FromListed(ArchiveFormat format, IReadOnlyList<RawEntry> listed, IReadOnlyList<long> packedSizes, long size, ArchiveLimits limits)
    {
        CheckSize(format, size, limits);
        if (listed.Count > limits.MaxEntries)
        {
            throw TooMany(limits, listed.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        var entries = listed.Select((e, i) => new PlannedEntry(e.Name, e.Size ?? 0, packedSizes[i], e.Kind == ArchiveEntryKind.Directory)).ToList();
        return new ArchivePlan(format, size, entries, entriesAreInReadOrder: true);
    }

    /// <summary>
    /// A 7z's packed sizes come from its own header: the listing pass reads none of the data, so its offsets say
    /// nothing. Null when the header cannot be read or lists another entry count: the listed spans stay (see
    /// <see cref="SevenZip.SevenZipHeader"/>).
    /// </summary>
    public static long[]? SevenZipPackedSizes(Stream stream, int entryCount) =>
        SevenZip.SevenZipHeader.TryReadPackedSizes(stream, entryCount) is { } packed && packed.Length == entryCount ? packed : null;

    private static ArchivePlan FromZipDirectory(Stream stream, ZipDirectory directory, long size, ArchiveLimits limits)
    {
        if (directory.EntryCount > limits.MaxEntries)
        {
            throw TooMany(limits, directory.EntryCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        var records = directory.ReadEntries(stream);
        var entries = new List<PlannedEntry>(records.Count);
        var nulNames = new HashSet<string>(StringComparer.Ordinal);

        // Local-header order (stable for equal offsets): the order libarchive reads a seekable zip in.
        foreach (var e in records.OrderBy(r => r.LocalHeaderOffset))
        {
            entries.Add(new PlannedEntry(e.Name, e.UncompressedSize, e.CompressedSize, e.Name.EndsWith('/')));
            if (e.Name.IndexOf('\0', StringComparison.Ordinal) is >= 0 and var nul)
            {
                nulNames.Add(e.Name[..nul]);
            }
        }

        if (entries.Count > limits.MaxEntries)
        {
            throw TooMany(limits, entries.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        return new ArchivePlan(ArchiveFormat.Zip, size, entries, entriesAreInReadOrder: false)
        {
            NulTruncatedNames = nulNames,
            Zip = directory,
            ZipEntries = records,
        };
    }

    private static List<PlannedEntry> ListingPass(Stream stream, IReadOnlyList<string> passphrases, ArchiveLimits limits)
    {
        stream.Seek(0, SeekOrigin.Begin);
        using var reader = ArchiveReader.Open(stream, passphrases);

        // Damage: plan what was readable. Extraction writes those entries and then reports the same failure,
        // naming the entry.
        var walked = HeaderWalk.Read(reader, stream.Length, limits, tolerateDamage: true, CancellationToken.None);
        return [.. walked.Select(w => new PlannedEntry(w.Entry.Name, w.Entry.Size ?? 0, w.PackedSpan, w.Entry.Kind == ArchiveEntryKind.Directory))];
    }

    /// <summary>
    /// The bomb pre-check on declared sizes of the entries that will be extracted: total output, and the ratio of
    /// any large entry (zip knows each entry's packed size) or of the whole selection.
    /// </summary>
    public void CheckDeclaredOutput(IEnumerable<PlannedEntry> selected, ArchiveLimits limits)
    {
        long total = 0, packed = 0;
        foreach (var e in selected)
        {
            total += e.Size;
            packed += e.PackedSize;
            if (Format == ArchiveFormat.Zip && e.Size >= limits.CompressionRatioMinBytes && e.Size > limits.MaxCompressionRatio * Math.Max(1, e.PackedSize))
            {
                throw new ArchiveException(
                    ArchiveErrorCode.CompressionRatioExceeded,
                    $"the entry declares {e.Size:N0} bytes from {e.PackedSize:N0} packed (over {limits.MaxCompressionRatio}:1); refused as a zip bomb",
                    e.Name);
            }
        }

        if (total > limits.MaxTotalOutputBytes)
        {
            throw new ArchiveException(ArchiveErrorCode.OutputLimitExceeded, $"the archive declares {total:N0} bytes of output, over the limit of {limits.MaxTotalOutputBytes:N0}");
        }

        var input = Format == ArchiveFormat.Zip ? packed : ArchiveSize;
        if (total >= limits.CompressionRatioMinBytes && total > limits.MaxCompressionRatio * Math.Max(1, input))
        {
            throw new ArchiveException(ArchiveErrorCode.CompressionRatioExceeded, $"the archive declares {total:N0} bytes from {input:N0} packed (over {limits.MaxCompressionRatio}:1); refused as a zip bomb");
        }
    }

    private static void CheckSize(ArchiveFormat format, long size, ArchiveLimits limits)
    {
        var max = limits.MaxArchiveBytes(format);
        if (size > max)
        {
            throw new ArchiveException(ArchiveErrorCode.ArchiveTooLarge, $"the {format} archive is {size:N0} bytes, over the limit of {max:N0} for this format");
        }
    }

    internal static ArchiveException TooMany(ArchiveLimits limits, string count) =>
        new(ArchiveErrorCode.TooManyEntries, $"the archive holds {count} entries; the limit is {limits.MaxEntries:N0}");
}
