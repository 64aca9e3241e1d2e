using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orleans.Media.Grains.Work;

/// <summary>Checks <see cref="WorkOptions"/>' ranges at start, naming the configuration key that is out of range.</summary>
public sealed class WorkOptionsValidator : IValidateOptions<WorkOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkOptions options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return options.RetryMaxDelay >= options.RetryBaseDelay
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{WorkOptions.Section}:RetryMaxDelay must not be below {WorkOptions.Section}:RetryBaseDelay.");
        }

        return ValidateOptionsResult.Fail(results.Select(r =>
            $"{WorkOptions.Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
    }
}
