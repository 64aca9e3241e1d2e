namespace Orleans.Media.Runtime;

/// <summary>This attempt no longer holds the job's lease (another silo may run it now); stop working.</summary>
public sealed class JobLeaseLostException(Guid jobId) : Exception($"The lease of job {jobId} was lost.")
{
    public Guid JobId { get; } = jobId;
}
