using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Storage.S3;

namespace Orleans.Media.Storage.Tests;

/// <summary>A fresh bucket on the test s3rver for one test class, created through the SDK.</summary>
public sealed class S3BucketFixture : IAsyncLifetime
{
    public string BucketName { get; } = "om-st-" + Guid.NewGuid().ToString("N")[..12];

    public BucketOptions Options { get; } = new()
    {
        Kind = BucketKind.S3,
        ServiceUrl = S3TestServer.S3Endpoint.ToString(),
        AccessKey = S3TestServer.S3AccessKey,
        SecretKey = S3TestServer.S3SecretKey,
        ForcePathStyle = true,
    };

    public S3ObjectStore Store { get; private set; } = null!;

    /// <summary>A raw SDK client for arranging what the store under test must not do itself.</summary>
    public AmazonS3Client Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Admin = new AmazonS3Client(
            new BasicAWSCredentials(S3TestServer.S3AccessKey, S3TestServer.S3SecretKey),
            new AmazonS3Config { ServiceURL = Options.ServiceUrl, ForcePathStyle = true, UseHttp = true });
        await Admin.PutBucketAsync(new PutBucketRequest { BucketName = BucketName });
        Store = new S3ObjectStore(BucketName, Options, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        // Leave s3rver's disk as we found it: the test objects add up to hundreds of MiB per run.
        try
        {
            var listed = await Admin.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName });
            while (true)
            {
                await Parallel.ForEachAsync(listed.S3Objects ?? [], new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (o, ct) =>
                    await Admin.DeleteObjectAsync(BucketName, o.Key, ct));
                if (listed.IsTruncated != true)
                {
                    break;
                }

                listed = await Admin.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, ContinuationToken = listed.NextContinuationToken });
            }

            await Admin.DeleteBucketAsync(BucketName);
        }
        catch (AmazonS3Exception)
        {
            // Best effort: the bucket name is unique, a leftover bucket harms no other test.
        }
        finally
        {
            Store.Dispose();
            Admin.Dispose();
        }
    }
}
