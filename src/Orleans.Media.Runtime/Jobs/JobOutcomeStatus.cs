namespace Orleans.Media.Runtime;

public enum JobOutcomeStatus
{
    /// <summary>The handler returned.</summary>
    Succeeded,

    /// <summary>Every attempt failed: the job is dead-lettered; <see cref="JobOutcome.Error"/> says why.</summary>
    Failed,
}
