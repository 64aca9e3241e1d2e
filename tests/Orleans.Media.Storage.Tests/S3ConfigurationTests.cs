using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Storage.S3;

namespace Orleans.Media.Storage.Tests;

/// <summary>A bucket configured through <c>OrleansMedia:Storage</c> reaches the real s3rver end to end.</summary>
public sealed class S3ConfigurationTests : IClassFixture<S3BucketFixture>
{
    private readonly S3BucketFixture _bucket;

    public S3ConfigurationTests(S3BucketFixture bucket) => _bucket = bucket;

    [Fact]
    public async Task A_configured_s3_bucket_round_trips_and_keeps_the_content_type()
    {
        var section = $"{ObjectStorageOptions.SectionName}:Buckets:{_bucket.BucketName}";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{section}:Kind"] = "S3",
            [$"{section}:ServiceUrl"] = S3TestServer.S3Endpoint.ToString(),
            [$"{section}:AccessKey"] = S3TestServer.S3AccessKey,
            [$"{section}:SecretKey"] = S3TestServer.S3SecretKey,
            [$"{ObjectStorageOptions.SectionName}:DefaultLocalRoot"] = Path.GetTempPath(),
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddObjectStorage(configuration);
        await using var provider = services.BuildServiceProvider();

        var uri = ObjectUri.Parse($"s3://{_bucket.BucketName}/{TestData.UniquePrefix()}typed.json");
        var store = provider.GetRequiredService<IObjectStorage>().GetBucket(uri.Bucket);
        Assert.IsType<S3ObjectStore>(store); // configured beats the default local root
        await using (var write = store.OpenWrite(uri.Key, new WriteOptions { ContentType = "application/json" }))
        {
            await write.WriteAsync("{}"u8.ToArray());
            await write.CompleteAsync();
        }

        var head = await store.HeadAsync(uri.Key);
        Assert.Equal("application/json", head!.ContentType);
        Assert.Equal(2, head.Size);
        Assert.Equal([uri.Key], (await store.ListAsync(uri.Key)).Objects.Select(o => o.Key));
    }
}
