using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>Payload of the extraction job a task schedules: what to extract and under which limits.</summary>
public sealed record FileUncompressionJob(string TaskId, FileUncompressionRequest Request, ProjectLimits Limits)
{
    public const string Kind = "file-uncompression";
}
