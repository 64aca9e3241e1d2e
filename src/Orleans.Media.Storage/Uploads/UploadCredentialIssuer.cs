using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Options;

namespace Orleans.Media.Storage.Uploads;

/// <summary>
/// Temporary credentials for a client that uploads one object straight to an S3 bucket, where the bucket names an
/// STS endpoint (MinIO's AssumeRole): the session policy allows writing <c>bucket/key</c> (single PUT or multipart)
/// and nothing else, whatever the bucket's own key may do. Buckets without STS (and local folders) issue none:
/// there the presigned URLs of <see cref="DirectUploads"/> are the credential.
/// </summary>
public sealed class UploadCredentialIssuer(IOptions<ObjectStorageOptions> options, TimeProvider time)
{
    /// <summary>STS's shortest and longest session.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromMinutes(15);

    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(12);

    public bool CanIssue(string bucket) =>
        options.Value.Buckets.TryGetValue(bucket, out var b) && b is { Kind: BucketKind.S3, StsEndpoint: not null };

    /// <summary>Credentials for writing exactly <paramref name="key"/>, or null when the bucket has no STS endpoint.</summary>
    public async Task<TemporaryUploadCredentials?> IssueAsync(string bucket, string key, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (duration < MinDuration || duration > MaxDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, $"STS sessions last {MinDuration} to {MaxDuration}.");
        }

        if (!options.Value.Buckets.TryGetValue(bucket, out var b) || b is not { Kind: BucketKind.S3, StsEndpoint: { } sts })
        {
            return null;
        }

        using var client = new AmazonSecurityTokenServiceClient(
            new BasicAWSCredentials(b.AccessKey, b.SecretKey),
            new AmazonSecurityTokenServiceConfig { ServiceURL = sts, AuthenticationRegion = b.Region });
        var response = await client.AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = b.StsRoleArn,
                RoleSessionName = "om-upload-" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                DurationSeconds = (int)duration.TotalSeconds,
                Policy = SessionPolicy(bucket, key),
            },
            cancellationToken).ConfigureAwait(false);
        var c = response.Credentials;
        return new TemporaryUploadCredentials(
            c.AccessKeyId,
            c.SecretAccessKey,
            c.SessionToken,
            c.Expiration is { } e ? new DateTimeOffset(e.ToUniversalTime(), TimeSpan.Zero) : time.GetUtcNow() + duration,
            b.PublicUrl ?? b.ServiceUrl!,
            b.Region,
            bucket,
            key);
    }

    /// <summary>
    /// The session policy: write actions on one object ARN. IAM reads <c>*</c>, <c>?</c> and <c>$</c> in a resource as
    /// wildcards and variables, so those characters of the key are written as their literal forms.
    /// </summary>
    public static string SessionPolicy(string bucket, string key)
    {
        var literal = new StringBuilder(key.Length);
        foreach (var ch in key)
        {
            literal.Append(ch switch { '*' => "${*}", '?' => "${?}", '$' => "${$}", _ => ch.ToString() });
        }

        var policy = new
        {
            Version = "2012-10-17",
            Statement = new[]
            {
                new
                {
                    Effect = "Allow",
                    Action = new[] { "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts" },
                    Resource = new[] { $"arn:aws:s3:::{bucket}/{literal}" },
                },
            },
        };
        return JsonSerializer.Serialize(policy);
    }
}

/// <summary>
/// Temporary credentials a client signs its own S3 requests with (any S3 SDK: access key, secret and session token,
/// endpoint, region): PutObject, or CreateMultipartUpload/UploadPart/CompleteMultipartUpload of <see cref="Key"/> in
/// <see cref="Bucket"/> until <see cref="Expiration"/>. Never log <see cref="SecretAccessKey"/> or <see cref="SessionToken"/>.
/// </summary>
public sealed record TemporaryUploadCredentials(
    string AccessKeyId,
    string SecretAccessKey,
    string SessionToken,
    DateTimeOffset Expiration,
    string Endpoint,
    string Region,
    string Bucket,
    string Key)
{
    // Records print every property: keep the secret and token out of logs and exception messages.
    public override string ToString() => $"TemporaryUploadCredentials {{ AccessKeyId = {AccessKeyId}, Bucket = {Bucket}, Key = {Key}, Expiration = {Expiration:O} }}";
}
