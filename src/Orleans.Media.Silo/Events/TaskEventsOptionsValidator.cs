using Microsoft.Extensions.Options;

namespace Orleans.Media.Silo.Events;

internal sealed class TaskEventsOptionsValidator : IValidateOptions<TaskEventsOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskEventsOptions options)
    {
        var failures = new List<string>();
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || options.HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{TaskEventsOptions.Section}:HeartbeatInterval must be between 100 ms and 5 minutes.");
        }

        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"{TaskEventsOptions.Section}:BatchSize must be between 1 and 10,000.");
        }

        if (options.ClientRetry < TimeSpan.Zero)
        {
            failures.Add($"{TaskEventsOptions.Section}:ClientRetry cannot be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
