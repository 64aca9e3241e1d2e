namespace Orleans.Media.Grains.Projects;

/// <summary>What CreateProject and UpdateProject carry; null fields keep their current value on update.</summary>
[GenerateSerializer, Immutable]
public sealed record ProjectSettings
{
    [Id(0)] public string? Description { get; init; }

    [Id(1)] public string? ServiceRole { get; init; }

    [Id(2)] public string? TemplateId { get; init; }

    [Id(3)] public IReadOnlyDictionary<string, long>? DatasetQuotas { get; init; }

    [Id(4)] public IReadOnlyList<ProjectTag>? Tags { get; init; }

    [Id(5)] public ProjectLimits? Limits { get; init; }
}
