namespace Orleans.Media.Runtime.Stores;

/// <summary>Status and outcome words as stored in the jobs table.</summary>
internal static class JobStatusNames
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Dead = "dead";
    public const string Cancelled = "cancelled";

    public static string ForOutcome(JobOutcomeStatus status) => status == JobOutcomeStatus.Succeeded ? Done : Dead;

    public static string OutcomeName(JobOutcomeStatus status) => status == JobOutcomeStatus.Succeeded ? "succeeded" : "failed";

    public static JobOutcomeStatus ParseOutcome(string value) => value == "succeeded" ? JobOutcomeStatus.Succeeded : JobOutcomeStatus.Failed;

    public static JobStatus Parse(string value) => value switch
    {
        Queued => JobStatus.Queued,
        Running => JobStatus.Running,
        Done => JobStatus.Done,
        Dead => JobStatus.Dead,
        Cancelled => JobStatus.Cancelled,
        _ => throw new InvalidOperationException($"Unknown job status '{value}'."),
    };
}
