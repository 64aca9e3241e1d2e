namespace Orleans.Media.Grains.Projects;

/// <summary>What a project transition raised; published on the project's stream.</summary>
[GenerateSerializer, Immutable]
public abstract record ProjectEvent(string ProjectName, DateTimeOffset Time);

[GenerateSerializer, Immutable]
public sealed record ProjectCreated(string ProjectName, DateTimeOffset Time) : ProjectEvent(ProjectName, Time);

[GenerateSerializer, Immutable]
public sealed record ProjectUpdated(string ProjectName, DateTimeOffset Time) : ProjectEvent(ProjectName, Time);

[GenerateSerializer, Immutable]
public sealed record ProjectDeleted(string ProjectName, DateTimeOffset Time) : ProjectEvent(ProjectName, Time);
