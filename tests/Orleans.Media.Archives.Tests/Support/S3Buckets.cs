using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;
using Orleans.Media.Testing;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>Two fresh buckets on the test s3rver (archives in, entries out) behind the real S3 backend.</summary>
internal sealed class S3Buckets : IDisposable
{
    private readonly ObjectStorage _storage;

    private S3Buckets(string source, string target, ObjectStorage storage)
    {
        Source = source;
        Target = target;
        _storage = storage;
    }

    public string Source { get; }

    public string Target { get; }

    public IObjectStorage Storage => _storage;

    public static async Task<S3Buckets> CreateAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var (source, target) = ($"om-arch-in-{id}", $"om-arch-out-{id}");
        using (var admin = new AmazonS3Client(
            new BasicAWSCredentials(TestEnvironment.S3AccessKey, TestEnvironment.S3SecretKey),
            new AmazonS3Config { ServiceURL = TestEnvironment.S3Endpoint.ToString(), ForcePathStyle = true, UseHttp = true }))
        {
            await admin.PutBucketAsync(new PutBucketRequest { BucketName = source });
            await admin.PutBucketAsync(new PutBucketRequest { BucketName = target });
        }

        var options = new ObjectStorageOptions();
        foreach (var name in new[] { source, target })
        {
            options.Buckets[name] = new BucketOptions
            {
                Kind = BucketKind.S3,
                ServiceUrl = TestEnvironment.S3Endpoint.ToString(),
                AccessKey = TestEnvironment.S3AccessKey,
                SecretKey = TestEnvironment.S3SecretKey,
                ForcePathStyle = true,
            };
        }

        return new S3Buckets(source, target, new ObjectStorage(Options.Create(options), LocalUrlSigner.CreateEphemeral()));
    }

    public async Task<ObjectUri> UploadAsync(string path)
    {
        var key = "archives/" + Path.GetFileName(path);
        await using var file = File.OpenRead(path);
        await Storage.GetBucket(Source).PutAsync(key, file);
        return ObjectUri.Parse($"s3://{Source}/{key}");
    }

    /// <summary>Key (relative to the prefix) → SHA-256 of every object under it, read back through the backend.</summary>
    public async Task<SortedDictionary<string, string>> HashesAsync(string prefix)
    {
        var store = Storage.GetBucket(Target);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await store.ListAsync(prefix, token);
            foreach (var o in page.Objects.Where(o => !o.Key.EndsWith('/')))
            {
                await using var s = await store.OpenReadAsync(o.Key);
                result[o.Key[prefix.Length..]] = Convert.ToHexString(await System.Security.Cryptography.SHA256.HashDataAsync(s));
            }

            token = page.NextContinuationToken;
        }
        while (token is not null);

        return result;
    }

    public void Dispose() => _storage.Dispose();
}
