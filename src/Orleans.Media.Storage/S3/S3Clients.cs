using Amazon.Runtime;
using Amazon.S3;

namespace Orleans.Media.Storage.S3;

/// <summary>
/// Builds SDK clients with the settings S3-compatible servers need: path-style addressing, and checksums only when
/// an operation requires them (the SDK's default CRC pass halves PUT speed and is not understood everywhere).
/// </summary>
internal static class S3Clients
{
    public static AmazonS3Client Create(BucketOptions options, string serviceUrl, HttpClientFactory? httpClientFactory = null)
    {
        var uri = new Uri(serviceUrl);
        var config = new AmazonS3Config
        {
            ServiceURL = serviceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            UseHttp = uri.Scheme == Uri.UriSchemeHttp,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // Read-ahead, parts in flight and many concurrent streams share one client.
            MaxConnectionsPerServer = 64,
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        return new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <summary>S3 quotes ETags; the contract carries them bare.</summary>
    public static string? Bare(string? etag) => etag?.Trim('"');
}
