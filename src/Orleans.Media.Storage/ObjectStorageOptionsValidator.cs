using Microsoft.Extensions.Options;

namespace Orleans.Media.Storage;

/// <summary>Refuses a storage configuration that could only fail later, with messages that name the setting.</summary>
public sealed class ObjectStorageOptionsValidator : IValidateOptions<ObjectStorageOptions>
{
    /// <summary>Shortest accepted <see cref="ObjectStorageOptions.LocalSigningKey"/>: shorter HMAC keys are guessable.</summary>
    public const int MinSigningKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, ObjectStorageOptions options)
    {
        var errors = new List<string>();
        const string section = ObjectStorageOptions.SectionName;
        foreach (var (bucket, b) in options.Buckets)
        {
            var at = $"{section}:Buckets:{bucket}";
            if (!BucketNames.IsValid(bucket))
            {
                errors.Add($"{at}: '{bucket}' is not a valid bucket name (1-63 letters, digits, '-', '_', '.'; not starting with '.').");
            }

            if (b is null)
            {
                errors.Add($"{at}: the bucket has no settings.");
                continue;
            }

            switch (b.Kind)
            {
                case BucketKind.Local:
                    if (string.IsNullOrWhiteSpace(b.Path))
                    {
                        errors.Add($"{at}:Path is required for a Local bucket.");
                    }

                    break;
                case BucketKind.S3:
                    if (!IsHttpUrl(b.ServiceUrl))
                    {
                        errors.Add($"{at}:ServiceUrl must be an absolute http(s) URL for an S3 bucket (got '{b.ServiceUrl}').");
                    }

                    if (string.IsNullOrWhiteSpace(b.AccessKey) || string.IsNullOrWhiteSpace(b.SecretKey))
                    {
                        errors.Add($"{at}:AccessKey and {at}:SecretKey are required for an S3 bucket.");
                    }

                    if (string.IsNullOrWhiteSpace(b.Region))
                    {
                        errors.Add($"{at}:Region must not be empty.");
                    }

                    if (b.StsEndpoint is not null && !IsHttpUrl(b.StsEndpoint))
                    {
                        errors.Add($"{at}:StsEndpoint must be an absolute http(s) URL (got '{b.StsEndpoint}').");
                    }

                    if (b.PublicUrl is not null && !IsHttpUrl(b.PublicUrl))
                    {
                        errors.Add($"{at}:PublicUrl must be an absolute http(s) URL (got '{b.PublicUrl}').");
                    }

                    break;
                default:
                    errors.Add($"{at}:Kind must be Local or S3 (got '{b.Kind}').");
                    break;
            }
        }

        if (options.DefaultLocalRoot is { } root && string.IsNullOrWhiteSpace(root))
        {
            errors.Add($"{section}:DefaultLocalRoot must be a folder path or unset.");
        }

        if (options.LocalSigningKey is { } key && key.Length < MinSigningKeyLength)
        {
            errors.Add($"{section}:LocalSigningKey must be at least {MinSigningKeyLength} characters.");
        }

        if (options.LocalPublicBaseUrl is not null && !IsHttpUrl(options.LocalPublicBaseUrl))
        {
            errors.Add($"{section}:LocalPublicBaseUrl must be an absolute http(s) URL (got '{options.LocalPublicBaseUrl}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
