namespace Orleans.Media.Grains.Projects;

/// <summary>
/// What a project admits. Defaults are the vendor's documented limits (seeds/000): 80,000 files per archive,
/// 200 GB for zip and rar, 50 GB for 7z, task records kept 7 days.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProjectLimits
{
    public const long GB = 1_000_000_000L;

    public static ProjectLimits Default { get; } = new();

    [Id(0)] public int MaxFilesPerArchive { get; init; } = 80_000;

    [Id(1)] public long MaxZipRarBytes { get; init; } = 200 * GB;

    [Id(2)] public long Max7zBytes { get; init; } = 50 * GB;

    /// <summary>How long a finished task stays readable (GetTask/ListTasks) before it is purged.</summary>
    [Id(3)] public TimeSpan TaskRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Tasks of this project that may run at once across the cluster; the rest wait in order.</summary>
    [Id(4)] public int EngineConcurrency { get; init; } = 8;

    /// <summary>API requests per second for this project (all keys together).</summary>
    [Id(5)] public int QueriesPerSecond { get; init; } = 1_000;
}
