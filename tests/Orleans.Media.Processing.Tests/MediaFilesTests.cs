using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Orleans.Media.Processing.Tools;
using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Tests;

/// <summary>Copying an S3 object into a run folder for a tool (the real s3rver, requests counted on the wire).</summary>
public sealed class MediaFilesTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "om-mf-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }

    [Fact]
    public async Task An_s3_object_is_copied_hash_equal_after_one_head()
    {
        var requests = new RequestCounter();
        await using var proxy = new LoopbackProxy(S3TestBucket.Endpoint, watchUplink: requests.NewConnection);
        using var s3 = await S3TestBucket.CreateAsync("om-files-", proxy.Url);
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 5);
        await s3.Storage.GetBucket(s3.Name).PutAsync("in/clip one.mp4", new MemoryStream(data));
        var (files, scratch) = Files(s3.Storage, maxInputBytes: data.Length);
        using var folder = scratch.Create("copy");
        var heads = requests.Heads;

        var path = await files.LocalPathAsync(new ObjectUri("oss", s3.Name, "in/clip one.mp4"), folder, CancellationToken.None);

        Assert.Equal(Path.Combine(folder.Path, "in", "clip_one.mp4"), path);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(path)));
        // The open's HEAD (the length, and the ETag the reads pin) is the only one.
        Assert.Equal(1, requests.Heads - heads);
        await s3.Admin.DeleteObjectAsync(s3.Name, "in/clip one.mp4");
        await s3.Admin.DeleteBucketAsync(s3.Name);
    }

    [Fact]
    public async Task An_s3_object_over_the_input_limit_is_refused_before_any_byte_is_read_and_a_missing_one_is_not_found()
    {
        var requests = new RequestCounter();
        await using var proxy = new LoopbackProxy(S3TestBucket.Endpoint, watchUplink: requests.NewConnection);
        using var s3 = await S3TestBucket.CreateAsync("om-files-", proxy.Url);
        await s3.Storage.GetBucket(s3.Name).PutAsync("in/big.bin", new MemoryStream(new byte[1001]));
        var (files, scratch) = Files(s3.Storage, maxInputBytes: 1000);
        using var folder = scratch.Create("copy");
        var gets = requests.Gets;

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => files.LocalPathAsync(new ObjectUri("oss", s3.Name, "in/big.bin"), folder, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => files.LocalPathAsync(new ObjectUri("oss", s3.Name, "in/none.bin"), folder, CancellationToken.None));

        Assert.Contains("1001 bytes", e.Message);
        Assert.Equal(0, requests.Gets - gets);
        Assert.Empty(Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories));
        await s3.Admin.DeleteObjectAsync(s3.Name, "in/big.bin");
        await s3.Admin.DeleteBucketAsync(s3.Name);
    }

    private (MediaFiles Files, ScratchSpace Scratch) Files(IObjectStorage storage, long maxInputBytes)
    {
        var options = Options.Create(new ProcessingOptions { ScratchRoot = _scratch, MaxInputBytes = maxInputBytes });
        return (new MediaFiles(storage, options), new ScratchSpace(options));
    }
}
