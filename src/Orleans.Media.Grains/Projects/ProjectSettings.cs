namespace Orleans.Media.Grains.Projects;

/// <summary>What CreateProject and UpdateProject carry; null fields keep their current value on update.</summary>
public sealed record ProjectSettings
{
    public string? Description { get; init; }

    public string? ServiceRole { get; init; }

    public string? TemplateId { get; init; }

    public IReadOnlyDictionary<string, long>? DatasetQuotas { get; init; }

    public IReadOnlyList<ProjectTag>? Tags { get; init; }

    public ProjectLimits? Limits { get; init; }
}
