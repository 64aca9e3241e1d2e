using Orleans.Media.Grains.Tasks;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>A validated CreateFileUncompressionTask request, as the task keeps it.</summary>
public sealed record FileUncompressionRequest
{
    public required string ProjectName { get; init; }

    /// <summary>oss://bucket/key of the archive.</summary>
    public required string SourceURI { get; init; }

    /// <summary>
    /// oss://bucket/prefix the entries are written under. When the caller gives none, the default is the folder
    /// beside the archive named after it without its extension: oss://b/x/a.zip → oss://b/x/a/.
    /// </summary>
    public required string TargetURI { get; init; }

    public IReadOnlyList<string> SelectedFiles { get; init; } = [];

    /// <summary>Kept to decrypt the archive and echoed in the detail file, as the vendor does; never in logs or RequestDefinition.</summary>
    public string? Password { get; init; }

    public string? UserData { get; init; }

    public TaskNotification? Notification { get; init; }

    /// <summary>Accepted and kept as given (chained authorization has no meaning on a self-hosted cluster).</summary>
    public string? CredentialConfig { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The API request that created the task (notifications carry it).</summary>
    public string? RequestId { get; init; }

    /// <summary>The default target for a source: the archive's folder plus its name without extension.</summary>
    public static string DefaultTarget(string sourceUri)
    {
        var slash = sourceUri.LastIndexOf('/');
        var name = sourceUri[(slash + 1)..];
        var dot = name.LastIndexOf('.');
        var stem = dot > 0 ? name[..dot] : name + "_files";
        return sourceUri[..(slash + 1)] + stem + "/";
    }
}
