using Microsoft.Extensions.Logging;

namespace Orleans.Media.Runtime.Core;

internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Debug, "Turn on {GrainId} retried (attempt {Attempt}, after {DelayMs:0} ms): {Reason}")]
    public static partial void TurnRetry(ILogger logger, GrainId grainId, int attempt, double delayMs, string reason);

    [LoggerMessage(2, LogLevel.Information, "Silo {SiloName} ({SiloId}) joined with roles {Roles} on the {Store} store")]
    public static partial void SiloJoined(ILogger logger, string siloName, string siloId, string roles, string store);

    [LoggerMessage(3, LogLevel.Warning, "Silo {SiloName}: heartbeat failed: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, string siloName, string reason);

    [LoggerMessage(4, LogLevel.Error, "Silo {SiloName} is fenced: no heartbeat for its lease; it stops claiming and refuses turns")]
    public static partial void Fenced(ILogger logger, string siloName);

    [LoggerMessage(5, LogLevel.Information, "Silo {SiloName} heartbeat restored; resuming")]
    public static partial void Unfenced(ILogger logger, string siloName);

    [LoggerMessage(6, LogLevel.Warning, "Job {JobId} ({Kind}) attempt {Attempt} failed: {Reason}")]
    public static partial void JobFailed(ILogger logger, Guid jobId, string kind, int attempt, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Outcome of job {JobId} could not be delivered to {GrainId}; retrying later: {Reason}")]
    public static partial void OutcomeFailed(ILogger logger, Guid jobId, GrainId grainId, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Job loop error on silo {SiloName}: {Reason}")]
    public static partial void JobLoopError(ILogger logger, string siloName, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Reminder {Name} of {GrainId} failed; retrying later: {Reason}")]
    public static partial void ReminderFailed(ILogger logger, string name, GrainId grainId, string reason);

    [LoggerMessage(10, LogLevel.Warning, "Reminder loop error on silo {SiloName}: {Reason}")]
    public static partial void ReminderLoopError(ILogger logger, string siloName, string reason);

    [LoggerMessage(11, LogLevel.Information, "Silo {SiloName} stopping: handed back leases")]
    public static partial void HandedBack(ILogger logger, string siloName);

    [LoggerMessage(12, LogLevel.Warning, "Job {JobId}: lease lost; its handler is cancelled")]
    public static partial void LeaseLost(ILogger logger, Guid jobId);

    [LoggerMessage(13, LogLevel.Warning, "Purge failed: {Reason}")]
    public static partial void PurgeFailed(ILogger logger, string reason);

    [LoggerMessage(14, LogLevel.Warning, "Graceful stop of silo {SiloName} could not hand back leases: {Reason}")]
    public static partial void HandBackFailed(ILogger logger, string siloName, string reason);
}
