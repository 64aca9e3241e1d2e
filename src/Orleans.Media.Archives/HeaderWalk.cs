using Orleans.Media.Archives.Native;

namespace Orleans.Media.Archives;

/// <summary>
/// Reads an archive's headers without decoding data, giving each entry with the span of the source its data
/// occupies: from where its header's reading ended to where the next header's ended (RAR: began, as RAR stores each
/// file's data right after its header). The planner and the public listing both list this way.
/// </summary>
internal static class HeaderWalk
{
    /// <param name="limits">When given, more entries than its <see cref="ArchiveLimits.MaxEntries"/> are refused.</param>
    /// <param name="tolerateDamage">Damage ends the walk with what was readable (the extraction reports it later,
    /// naming the entry); otherwise the <see cref="ArchiveException"/> propagates.</param>
    public static List<(RawEntry Entry, long PackedSpan)> Read(
        ArchiveReader reader, long size, ArchiveLimits? limits, bool tolerateDamage, CancellationToken cancellationToken)
    {
        var entries = new List<(RawEntry, long)>();
        if (!reader.MoveNext(out var entry, out _))
        {
            return entries;
        }

        var start = reader.SourceBytes;
        var isRar = reader.Format is ArchiveFormat.Rar or ArchiveFormat.Rar5;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (limits is not null && entries.Count >= limits.MaxEntries)
            {
                throw ArchivePlan.TooMany(limits, $"more than {limits.MaxEntries:N0}");
            }

            bool more;
            RawEntry next;
            var damaged = false;
            try
            {
                more = reader.MoveNext(out next, out _);
            }
            catch (ArchiveException ex) when (tolerateDamage && ex.Code is ArchiveErrorCode.Corrupt)
            {
                more = false;
                next = null!;
                damaged = true;
            }

            var end = more ? reader.SourceBytes : size;
            var dataEnd = isRar && !damaged ? DataEndOfRar(reader, end) : end;
            entries.Add((entry, Math.Max(0, dataEnd - start)));
            if (!more)
            {
                return entries;
            }

            entry = next;
            start = end;
        }
    }

    /// <summary>Where a RAR entry's data ends: where libarchive began reading the next header (or the end block).</summary>
    private static long DataEndOfRar(ArchiveReader reader, long fallback) =>
        reader.HeaderPosition is var position && position > 0 && position <= fallback ? position : fallback;
}
