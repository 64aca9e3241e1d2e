namespace Orleans.Media.Grains.Tasks;

/// <summary>Payload of the job that purges a project's task records whose retention has passed.</summary>
public sealed record TaskRetentionJob(string ProjectName)
{
    public const string Kind = "task-retention";
}
