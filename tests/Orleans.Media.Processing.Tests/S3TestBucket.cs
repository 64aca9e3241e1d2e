using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Processing.Tests;

/// <summary>
/// A fresh bucket on the test s3rver (deploy/test-env.sh), an S3 client on it for the tests' own checks and clean-up,
/// and an <see cref="ObjectStorage"/> that reaches it, directly or through another URL (a proxy in front of s3rver).
/// </summary>
internal sealed class S3TestBucket : IDisposable
{
    private S3TestBucket(string name, AmazonS3Client admin, ObjectStorage storage) => (Name, Admin, Storage) = (name, admin, storage);

    /// <summary>The test s3rver; a missing server is a failure, never a skip.</summary>
    public static Uri Endpoint => Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_S3") is { Length: > 0 } v
        ? new Uri(v)
        : throw new InvalidOperationException("ORLEANSMEDIA_TEST_S3 is not set. Run the tests with deploy/test.sh, or first: source <(deploy/test-env.sh start)");

    public string Name { get; }

    public AmazonS3Client Admin { get; }

    public ObjectStorage Storage { get; }

    /// <param name="prefix">The bucket name's start (a unique suffix follows).</param>
    /// <param name="serviceUrl">Where <see cref="Storage"/> sends its requests; s3rver itself by default.</param>
    public static async Task<S3TestBucket> CreateAsync(string prefix, Uri? serviceUrl = null)
    {
        var endpoint = Endpoint.AbsoluteUri;
        var name = prefix + Guid.NewGuid().ToString("N")[..10];
        var admin = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, UseHttp = true });
        await admin.PutBucketAsync(name);
        var options = new ObjectStorageOptions();
        options.Buckets[name] = new BucketOptions { Kind = BucketKind.S3, ServiceUrl = serviceUrl?.AbsoluteUri ?? endpoint, AccessKey = "S3RVER", SecretKey = "S3RVER" };
        return new S3TestBucket(name, admin, new ObjectStorage(Options.Create(options), LocalUrlSigner.CreateEphemeral()));
    }

    public void Dispose()
    {
        Storage.Dispose();
        Admin.Dispose();
    }
}
