namespace Orleans.Media.Archives;

/// <summary>
/// Which entries (by <see cref="ArchiveEntry.Index"/>) are already done: "the first <paramref name="CompletedPrefix"/>"
/// plus the sorted <paramref name="CompletedBeyondPrefix"/> (uploads finish out of order). Compact even for 80,000
/// entries. Pass it back as <see cref="ExtractionOptions.ResumeFrom"/> to skip them.
/// </summary>
public sealed record ExtractionCheckpoint(int CompletedPrefix, IReadOnlyList<int> CompletedBeyondPrefix)
{
    public static ExtractionCheckpoint Empty { get; } = new(0, []);

    public int Count => CompletedPrefix + CompletedBeyondPrefix.Count;

    public bool Contains(int index) =>
        index < CompletedPrefix || (CompletedBeyondPrefix is List<int> list ? list.BinarySearch(index) >= 0 : CompletedBeyondPrefix.Contains(index));
}
