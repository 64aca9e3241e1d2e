namespace Orleans.Media.Runtime;

/// <summary>A job's row status in the store.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Done,
    Dead,
    Cancelled,
}
