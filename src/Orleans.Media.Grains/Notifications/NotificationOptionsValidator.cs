using Microsoft.Extensions.Options;

namespace Orleans.Media.Grains.Notifications;

/// <summary>Refuses a configuration whose topics could not deliver (checked at start, not at the first task end).</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public const int MaxAttemptsLimit = 100;

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var errors = new List<string>();
        foreach (var (setting, value) in new[] { ("RegionId", options.RegionId), ("AccountId", options.AccountId) })
        {
            // The subject is colon-separated: a colon or blank here would change how receivers split it.
            if (string.IsNullOrWhiteSpace(value) || value.Contains(':', StringComparison.Ordinal) || value.Any(char.IsWhiteSpace))
            {
                errors.Add($"{NotificationOptions.Section}:{setting} must be non-empty, without ':' or blanks.");
            }
        }

        foreach (var (topic, t) in options.Topics)
        {
            var at = $"{NotificationOptions.Section}:Topics:{topic}";
            if (string.IsNullOrWhiteSpace(topic))
            {
                errors.Add("A notification topic has an empty name.");
            }
            if (t.MaxAttempts is < 1 or > MaxAttemptsLimit)
            {
                errors.Add($"{at}:MaxAttempts must be between 1 and {MaxAttemptsLimit}.");
            }
            if (t.TimeoutSeconds is < 1 or > 300)
            {
                errors.Add($"{at}:TimeoutSeconds must be between 1 and 300.");
            }
            switch (t.Kind)
            {
                case NotificationSinkKind.Webhook:
                    if (!System.Uri.TryCreate(t.Url, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
                    {
                        errors.Add($"{at}:Url must be an absolute http or https URL.");
                    }
                    if (string.IsNullOrEmpty(t.Secret) || t.Secret.Length < 16)
                    {
                        errors.Add($"{at}:Secret must have at least 16 characters.");
                    }
                    break;
                case NotificationSinkKind.Amqp:
                    if (!System.Uri.TryCreate(t.Uri, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
                    {
                        errors.Add($"{at}:Uri must be an absolute amqp or amqps URI.");
                    }
                    if (t.Exchange is null)
                    {
                        errors.Add($"{at}:Exchange is required (empty for the default exchange).");
                    }
                    if (string.IsNullOrEmpty(t.Exchange) && string.IsNullOrEmpty(t.RoutingKey))
                    {
                        errors.Add($"{at}:RoutingKey is required with the default exchange (it names the queue).");
                    }
                    break;
                default:
                    errors.Add($"{at}:Kind must be Webhook or Amqp.");
                    break;
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
