namespace Orleans.Media.Grains.Projects;

/// <summary>The persisted state of a project grain. A project that was never created has <see cref="Exists"/> false.</summary>
public sealed record ProjectState
{
    public bool Exists { get; init; }

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public string? ServiceRole { get; init; }

    public string? TemplateId { get; init; }

    /// <summary>The vendor's dataset quotas, kept and returned as given (this system has no datasets yet).</summary>
    public IReadOnlyDictionary<string, long> DatasetQuotas { get; init; } = new Dictionary<string, long>();

    public IReadOnlyList<ProjectTag> Tags { get; init; } = [];

    public ProjectLimits Limits { get; init; } = ProjectLimits.Default;

    public DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; init; }

}

public sealed record ProjectTag(string Key, string Value);
