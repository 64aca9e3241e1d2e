namespace Orleans.Media.Runtime;

/// <summary>
/// Runs jobs of one kind on worker silos (register with <c>AddJobHandler&lt;T&gt;(kind)</c>; a new instance per
/// attempt, from a DI scope). At-least-once: an attempt may be re-run after a crash, so effects must be idempotent;
/// resume from <see cref="JobContext.Checkpoint"/>. The returned object is stored as JSON and delivered to the grain
/// in <see cref="JobOutcome.Result"/>. Throwing fails the attempt (retried with backoff, then dead-lettered).
/// </summary>
public interface IJobHandler
{
    Task<object?> ExecuteAsync(JobContext context);
}
