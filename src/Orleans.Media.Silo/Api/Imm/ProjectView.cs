using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>The reference's <c>Project</c> structure, plus this system's per-project limits (extension fields).</summary>
public sealed record ProjectView
{
    public required string ProjectName { get; init; }

    public string? ServiceRole { get; init; }

    public string? TemplateId { get; init; }

    public string? Description { get; init; }

    public required string CreateTime { get; init; }

    public required string UpdateTime { get; init; }

    public long ProjectQueriesPerSecond { get; init; }

    public long EngineConcurrency { get; init; }

    public long ProjectMaxDatasetCount { get; init; }

    public long DatasetMaxBindCount { get; init; }

    public long DatasetMaxFileCount { get; init; }

    public long DatasetMaxEntityCount { get; init; }

    public long DatasetMaxRelationCount { get; init; }

    public long DatasetMaxTotalFileSize { get; init; }

    public long DatasetCount { get; init; }

    public long FileCount { get; init; }

    public long TotalFileSize { get; init; }

    public IReadOnlyList<ProjectTagView> Tags { get; init; } = [];

    /// <summary>Extension: files per archive a decompression task accepts.</summary>
    public long MaxFilesPerArchive { get; init; }

    /// <summary>Extension: largest zip or RAR source, bytes.</summary>
    public long MaxZipRarBytes { get; init; }

    /// <summary>Extension: largest 7z source, bytes.</summary>
    public long Max7zBytes { get; init; }

    /// <summary>Extension: seconds a finished task stays readable.</summary>
    public long TaskRetentionSeconds { get; init; }

    public static ProjectView From(ProjectState p) => new()
    {
        ProjectName = p.Name,
        ServiceRole = p.ServiceRole,
        TemplateId = p.TemplateId,
        Description = p.Description,
        CreateTime = ImmApi.Time(p.CreateTime),
        UpdateTime = ImmApi.Time(p.UpdateTime),
        ProjectQueriesPerSecond = p.Limits.QueriesPerSecond,
        EngineConcurrency = p.Limits.EngineConcurrency,
        ProjectMaxDatasetCount = Quota(p, nameof(ProjectMaxDatasetCount)),
        DatasetMaxBindCount = Quota(p, nameof(DatasetMaxBindCount)),
        DatasetMaxFileCount = Quota(p, nameof(DatasetMaxFileCount)),
        DatasetMaxEntityCount = Quota(p, nameof(DatasetMaxEntityCount)),
        DatasetMaxRelationCount = Quota(p, nameof(DatasetMaxRelationCount)),
        DatasetMaxTotalFileSize = Quota(p, nameof(DatasetMaxTotalFileSize)),
        Tags = [.. p.Tags.Select(t => new ProjectTagView(t.Key, t.Value))],
        MaxFilesPerArchive = p.Limits.MaxFilesPerArchive,
        MaxZipRarBytes = p.Limits.MaxZipRarBytes,
        Max7zBytes = p.Limits.Max7zBytes,
        TaskRetentionSeconds = (long)p.Limits.TaskRetention.TotalSeconds,
    };

    private static long Quota(ProjectState p, string name) => p.DatasetQuotas.TryGetValue(name, out var v) ? v : 0;
}

public sealed record ProjectTagView(string TagKey, string TagValue);
