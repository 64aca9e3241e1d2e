namespace Orleans.Media.Grains.Projects;

/// <summary>
/// The job partitions of a project. Its tasks' engines share one partition, capped cluster-wide by the project's
/// <see cref="ProjectLimits.EngineConcurrency"/>; its housekeeping (notification deliveries, retention purges) has
/// another, so a project busy with long extractions still delivers notifications and purges on time. '#' is not
/// allowed in project names, so no project's partition can collide with another's.
/// </summary>
public static class ProjectJobPartitions
{
    public static string Tasks(string project) => project;

    public static string Housekeeping(string project) => project + "#housekeeping";
}
