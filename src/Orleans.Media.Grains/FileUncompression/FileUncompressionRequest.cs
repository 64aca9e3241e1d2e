using Orleans.Media.Grains.Tasks;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>A validated CreateFileUncompressionTask request, as the task keeps it.</summary>
[GenerateSerializer, Immutable]
public sealed record FileUncompressionRequest
{
    [Id(0)] public required string ProjectName { get; init; }

    /// <summary>oss://bucket/key of the archive.</summary>
    [Id(1)] public required string SourceURI { get; init; }

    /// <summary>
    /// oss://bucket/prefix the entries are written under. When the caller gives none, the default is the folder
    /// beside the archive named after it without its extension: oss://b/x/a.zip → oss://b/x/a/.
    /// </summary>
    [Id(2)] public required string TargetURI { get; init; }

    [Id(3)] public IReadOnlyList<string> SelectedFiles { get; init; } = [];

    /// <summary>Kept to decrypt the archive and echoed in the detail file, as the vendor does; never in logs or RequestDefinition.</summary>
    [Id(4)] public string? Password { get; init; }

    [Id(5)] public string? UserData { get; init; }

    [Id(6)] public TaskNotification? Notification { get; init; }

    /// <summary>Accepted and kept as given (chained authorization has no meaning on a self-hosted cluster).</summary>
    [Id(7)] public string? CredentialConfig { get; init; }

    [Id(8)] public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The API request that created the task (notifications carry it).</summary>
    [Id(9)] public string? RequestId { get; init; }

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
