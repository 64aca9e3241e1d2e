using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.S3;

namespace Orleans.Media.Storage.Tests;

/// <summary>Configuration binding, validation and bucket resolution of the registry.</summary>
public sealed class ObjectStorageRegistryTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "om-reg-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task A_file_dropped_under_the_default_root_is_reachable_as_oss_bucket_key()
    {
        Directory.CreateDirectory(Path.Combine(_data, "buckets", "B", "dir"));
        await File.WriteAllTextAsync(Path.Combine(_data, "buckets", "B", "dir", "K.zip"), "zip bytes");
        using var provider = Build(new Dictionary<string, string?> { ["OrleansMedia:Storage:DefaultLocalRoot"] = Path.Combine(_data, "buckets") });
        var storage = provider.GetRequiredService<IObjectStorage>();

        var uri = ObjectUri.Parse("oss://B/dir/K.zip");
        var store = storage.GetBucket(uri.Bucket);

        Assert.IsType<LocalObjectStore>(store);
        Assert.Equal(9, (await store.HeadAsync(uri.Key))!.Size);
        Assert.Contains("B", storage.Buckets);
        Assert.True(storage.HasBucket("not-yet-created"));
        Assert.Same(store, storage.GetBucket("B"));
    }

    [Fact]
    public void Configured_buckets_take_precedence_and_unknown_ones_fail_without_a_default_root()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["OrleansMedia:Storage:Buckets:media:Kind"] = "S3",
            ["OrleansMedia:Storage:Buckets:media:ServiceUrl"] = "http://127.0.0.1:9",
            ["OrleansMedia:Storage:Buckets:media:AccessKey"] = "ak",
            ["OrleansMedia:Storage:Buckets:media:SecretKey"] = "sk",
            ["OrleansMedia:Storage:Buckets:files:Kind"] = "Local",
            ["OrleansMedia:Storage:Buckets:files:Path"] = Path.Combine(_data, "files"),
        });
        var storage = provider.GetRequiredService<IObjectStorage>();

        Assert.IsType<S3ObjectStore>(storage.GetBucket("media"));
        Assert.Equal(Path.Combine(_data, "files"), ((LocalObjectStore)storage.GetBucket("files")).Folder);
        Assert.Equal(["files", "media"], storage.Buckets);
        Assert.False(storage.HasBucket("other"));
        Assert.Equal("other", Assert.Throws<BucketNotFoundException>(() => storage.GetBucket("other")).Bucket);
    }

    [Fact]
    public void Local_buckets_write_parts_around_the_page_cache_unless_configured_not_to()
    {
        var root = Path.Combine(_data, "buckets");
        using (var provider = Build(new Dictionary<string, string?> { ["OrleansMedia:Storage:DefaultLocalRoot"] = root }))
        {
            Assert.True(((LocalObjectStore)provider.GetRequiredService<IObjectStorage>().GetBucket("B")).UseUncachedPartWrites);
        }

        using (var provider = Build(new Dictionary<string, string?>
        {
            ["OrleansMedia:Storage:DefaultLocalRoot"] = root,
            ["OrleansMedia:Storage:LocalUncachedPartWrites"] = "false",
            ["OrleansMedia:Storage:Buckets:files:Kind"] = "Local",
            ["OrleansMedia:Storage:Buckets:files:Path"] = Path.Combine(_data, "files"),
        }))
        {
            var storage = provider.GetRequiredService<IObjectStorage>();
            Assert.False(((LocalObjectStore)storage.GetBucket("B")).UseUncachedPartWrites);
            Assert.False(((LocalObjectStore)storage.GetBucket("files")).UseUncachedPartWrites);
        }
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Bucket_names_that_are_not_plain_folder_names_never_resolve(string bucket)
    {
        using var provider = Build(new Dictionary<string, string?> { ["OrleansMedia:Storage:DefaultLocalRoot"] = _data });
        var storage = provider.GetRequiredService<IObjectStorage>();
        Assert.False(storage.HasBucket(bucket));
        Assert.Throws<BucketNotFoundException>(() => storage.GetBucket(bucket));
    }

    [Fact]
    public async Task Invalid_configuration_fails_at_start_with_messages_naming_the_settings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansMedia:Storage:Buckets:s3:Kind"] = "S3",
            ["OrleansMedia:Storage:Buckets:s3:ServiceUrl"] = "not a url",
            ["OrleansMedia:Storage:Buckets:folder:Kind"] = "Local",
            ["OrleansMedia:Storage:Buckets:.bad:Path"] = "/tmp/x",
            ["OrleansMedia:Storage:LocalSigningKey"] = "short",
            ["OrleansMedia:Storage:LocalPublicBaseUrl"] = "ftp://x",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddObjectStorage(configuration);
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var all = string.Join("\n", e.Failures);
        Assert.Contains("OrleansMedia:Storage:Buckets:s3:ServiceUrl must be an absolute http(s) URL", all);
        Assert.Contains("OrleansMedia:Storage:Buckets:s3:AccessKey and OrleansMedia:Storage:Buckets:s3:SecretKey are required", all);
        Assert.Contains("OrleansMedia:Storage:Buckets:folder:Path is required", all);
        Assert.Contains("'.bad' is not a valid bucket name", all);
        Assert.Contains("LocalSigningKey must be at least 16 characters", all);
        Assert.Contains("LocalPublicBaseUrl must be an absolute http(s) URL", all);
    }

    [Fact]
    public void Presigning_a_local_bucket_without_a_public_base_url_says_what_to_configure()
    {
        using var provider = Build(new Dictionary<string, string?> { ["OrleansMedia:Storage:DefaultLocalRoot"] = _data });
        var store = provider.GetRequiredService<IObjectStorage>().GetBucket("b");

        var e = Assert.Throws<InvalidOperationException>(() => store.Presign(new PresignRequest("k", PresignMethod.Put, DateTimeOffset.UtcNow.AddMinutes(1))));
        Assert.Contains("LocalPublicBaseUrl", e.Message);
    }

    [Fact]
    public void Without_a_configured_key_local_urls_are_signed_with_a_per_process_key()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["OrleansMedia:Storage:DefaultLocalRoot"] = _data,
            ["OrleansMedia:Storage:LocalPublicBaseUrl"] = "http://silo:8080",
        });
        var url = provider.GetRequiredService<IObjectStorage>().GetBucket("b").Presign(new PresignRequest("k", PresignMethod.Get, DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.StartsWith("http://silo:8080/_objects/b/k?method=GET&expires=", url.AbsoluteUri);
        var q = System.Web.HttpUtility.ParseQueryString(url.Query);
        Assert.Equal(LocalUrlCheck.Valid, provider.GetRequiredService<LocalUrlSigner>().Validate("GET", "b", "k", q["method"], q["expires"], null, null, q["signature"], DateTimeOffset.UtcNow));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddObjectStorage(configuration);
        return services.BuildServiceProvider();
    }
}
