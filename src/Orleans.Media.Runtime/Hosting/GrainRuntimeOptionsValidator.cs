using Microsoft.Extensions.Options;

namespace Orleans.Media.Runtime;

/// <summary>Refuses settings that would break the runtime's guarantees, with messages naming the setting.</summary>
public sealed class GrainRuntimeOptionsValidator : IValidateOptions<GrainRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainRuntimeOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.SiloName))
        {
            errors.Add("GrainRuntime:SiloName is required.");
        }

        if (o.Roles is null || o.Roles.Length == 0 || o.Roles.Any(r => r is not (SiloRoles.Api or SiloRoles.Worker)))
        {
            errors.Add($"GrainRuntime:Roles must list '{SiloRoles.Api}' and/or '{SiloRoles.Worker}' (got '{string.Join(",", o.Roles ?? [])}').");
        }

        if (o.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add("GrainRuntime:HeartbeatInterval must be positive.");
        }

        if (o.SiloLeaseTime < o.HeartbeatInterval * 2)
        {
            errors.Add($"GrainRuntime:SiloLeaseTime ({o.SiloLeaseTime}) must be at least twice HeartbeatInterval ({o.HeartbeatInterval}).");
        }

        if (o.JobLeaseTime < o.HeartbeatInterval * 3)
        {
            errors.Add($"GrainRuntime:JobLeaseTime ({o.JobLeaseTime}) must be at least 3x HeartbeatInterval ({o.HeartbeatInterval}).");
        }

        if (o.JobLeaseTime <= o.SiloLeaseTime)
        {
            errors.Add($"GrainRuntime:JobLeaseTime ({o.JobLeaseTime}) must exceed SiloLeaseTime ({o.SiloLeaseTime}): a silo must fence itself before its job leases expire.");
        }

        if (o.DeadSiloTimeout <= o.SiloLeaseTime)
        {
            errors.Add("GrainRuntime:DeadSiloTimeout must exceed SiloLeaseTime.");
        }

        if (o.MaxConcurrentJobs < 1 || o.MaxConcurrentPerPartition < 1)
        {
            errors.Add("GrainRuntime:MaxConcurrentJobs and MaxConcurrentPerPartition must be at least 1.");
        }

        if (o.JobPollInterval <= TimeSpan.Zero || o.ReminderPollInterval <= TimeSpan.Zero || o.NoncePurgeInterval <= TimeSpan.Zero)
        {
            errors.Add("GrainRuntime poll intervals must be positive.");
        }

        if (o.JobRetryBaseDelay < TimeSpan.Zero || o.JobRetryMaxDelay < o.JobRetryBaseDelay)
        {
            errors.Add("GrainRuntime:JobRetryMaxDelay must be at least JobRetryBaseDelay (non-negative).");
        }

        if (o.ReminderLeaseTime < TimeSpan.FromSeconds(1))
        {
            errors.Add("GrainRuntime:ReminderLeaseTime must be at least 1 s.");
        }

        if (o.MaxTurnAttempts < 1 || o.MaxCachedActivations < 0)
        {
            errors.Add("GrainRuntime:MaxTurnAttempts must be at least 1 and MaxCachedActivations non-negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
