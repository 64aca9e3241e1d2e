namespace Orleans.Media.Archives;

/// <summary>Why extraction or listing stopped. <paramref name="EntryName"/> names the entry being read, when there was one.</summary>
public sealed record ArchiveError(ArchiveErrorCode Code, string Message, string? EntryName = null)
{
    public override string ToString() =>
        EntryName is null ? $"{Code}: {Message}" : $"{Code}: {Message} (entry '{EntryName}')";
}
