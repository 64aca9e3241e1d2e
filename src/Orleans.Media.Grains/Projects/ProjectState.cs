namespace Orleans.Media.Grains.Projects;

/// <summary>The persisted state of a project grain. A project that was never created has <see cref="Exists"/> false.</summary>
[GenerateSerializer, Immutable]
public sealed record ProjectState
{
    [Id(0)] public bool Exists { get; init; }

    [Id(1)] public string Name { get; init; } = "";

    [Id(2)] public string? Description { get; init; }

    [Id(3)] public string? ServiceRole { get; init; }

    [Id(4)] public string? TemplateId { get; init; }

    /// <summary>The vendor's dataset quotas, kept and returned as given (this system has no datasets yet).</summary>
    [Id(5)] public IReadOnlyDictionary<string, long> DatasetQuotas { get; init; } = new Dictionary<string, long>();

    [Id(6)] public IReadOnlyList<ProjectTag> Tags { get; init; } = [];

    [Id(7)] public ProjectLimits Limits { get; init; } = ProjectLimits.Default;

    [Id(8)] public DateTimeOffset CreateTime { get; init; }

    [Id(9)] public DateTimeOffset UpdateTime { get; init; }

    /// <summary>Increases with every write: orders the listing index's copies.</summary>
    [Id(10)] public long Revision { get; init; }

    /// <summary>The engine slots held by this project's running tasks (at most <see cref="ProjectLimits.EngineConcurrency"/>).</summary>
    [Id(11)] public EngineSlots Slots { get; init; } = EngineSlots.Empty;
}

[GenerateSerializer, Immutable]
public sealed record ProjectTag(string Key, string Value);
