using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// A fresh bucket on the test s3rver, read and written with the AWS SDK directly (not through the product's storage
/// layer), so outputs are checked by an independent client.
/// </summary>
public sealed class S3TestBucket : IDisposable
{
    private readonly AmazonS3Client _s3;

    private S3TestBucket(string name, AmazonS3Client s3)
    {
        Name = name;
        _s3 = s3;
    }

    public string Name { get; }

    public static async Task<S3TestBucket> CreateAsync()
    {
        var s3 = new AmazonS3Client(
            new BasicAWSCredentials(TestEnvironment.S3AccessKey, TestEnvironment.S3SecretKey),
            new AmazonS3Config
            {
                ServiceURL = TestEnvironment.S3Endpoint.ToString(),
                ForcePathStyle = true,
                UseHttp = true,

                // s3rver stores aws-chunked bodies verbatim: send plain bodies, checksums only where S3 requires them.
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            });
        var name = "om-e2e-" + Guid.NewGuid().ToString("N")[..12];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return new S3TestBucket(name, s3);
    }

    public string Uri(string key) => $"oss://{Name}/{key}";

    public async Task UploadAsync(string key, string file)
    {
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = Name, Key = key, FilePath = file, UseChunkEncoding = false });
    }

    /// <summary>Every object under <paramref name="prefix"/>: key relative to the prefix → SHA-256 hex.</summary>
    public async Task<SortedDictionary<string, string>> HashesAsync(string prefix)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // Folder markers ("d/") carry no content; files are what bsdtar's tree is compared with.
        foreach (var key in (await KeysAsync(prefix)).Where(k => !k.EndsWith('/')))
        {
            using var response = await _s3.GetObjectAsync(Name, key);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int n;
            while ((n = await response.ResponseStream.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, n);
            }

            result[key[prefix.Length..]] = Convert.ToHexString(sha.GetHashAndReset());
        }

        return result;
    }

    public async Task<IReadOnlyList<string>> KeysAsync(string prefix)
    {
        var keys = new List<string>();
        string? marker = null;
        while (true)
        {
            var page = await _s3.ListObjectsAsync(new ListObjectsRequest { BucketName = Name, Prefix = prefix, Marker = marker, MaxKeys = 1000 });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            if (page.IsTruncated != true || page.S3Objects is not { Count: > 0 })
            {
                return keys;
            }

            marker = page.S3Objects[^1].Key;
        }
    }

    public async Task<byte[]> GetAsync(string key)
    {
        using var response = await _s3.GetObjectAsync(Name, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    // The bucket stays: s3rver cannot delete a bucket holding objects or unfinished multipart uploads; names are unique.
    public void Dispose() => _s3.Dispose();
}
