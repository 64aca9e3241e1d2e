using Microsoft.Extensions.Options;

namespace Orleans.Media.Silo.Hosting;

/// <summary>Refuses to start with settings that cannot work, naming the setting.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add("OrleansMedia:DataDir must name a folder.");
        }

        var roles = options.RoleList;
        if (roles.Count == 0)
        {
            errors.Add("OrleansMedia:Roles must name at least one of 'api', 'worker'.");
        }

        foreach (var role in roles.Where(r => r is not (SiloOptions.ApiRole or SiloOptions.WorkerRole)))
        {
            errors.Add($"OrleansMedia:Roles has an unknown role '{role}'; use 'api', 'worker' or both.");
        }

        if (options.AdvertisedUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            errors.Add($"OrleansMedia:AdvertisedUrl '{url}' is not an absolute URL.");
        }

        if (options.ReceiveBlockKiB is < 4 or > 1024)
        {
            errors.Add($"OrleansMedia:ReceiveBlockKiB must be between 4 and 1024 (KiB), not {options.ReceiveBlockKiB}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
