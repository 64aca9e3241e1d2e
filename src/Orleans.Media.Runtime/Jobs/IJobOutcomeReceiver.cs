namespace Orleans.Media.Runtime;

/// <summary>
/// Implemented by grain classes that schedule jobs. The runtime calls it as a turn in the same transaction that marks
/// the job done, so each outcome is applied exactly once. Throwing rolls the turn back; delivery is retried later.
/// </summary>
public interface IJobOutcomeReceiver
{
    Task OnJobCompletedAsync(JobOutcome outcome);
}
