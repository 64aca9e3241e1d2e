namespace Orleans.Media.Archives;

/// <summary>An entry as the plan knows it before extraction: stored name and declared sizes.</summary>
internal sealed record PlannedEntry(string Name, long Size, long PackedSize, bool IsFolder);
