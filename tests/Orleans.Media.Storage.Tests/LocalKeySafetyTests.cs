using System.Text;

namespace Orleans.Media.Storage.Tests;

/// <summary>A local bucket never reads or writes outside its folder, whatever the key.</summary>
public sealed class LocalKeySafetyTests : IClassFixture<LocalBucketFixture>
{
    private readonly LocalBucketFixture _bucket;

    public LocalKeySafetyTests(LocalBucketFixture bucket) => _bucket = bucket;

    public static TheoryData<string> HostileKeys => new()
    {
        "../escape.txt",
        "a/../../escape.txt",
        "a/./b",
        "..",
        "/etc/passwd",
        "/tmp/escape.txt",
        "a\\..\\..\\escape.txt",
        "..\\escape.txt",
        "C:/Windows/escape.txt",
        "a\0b",
        "a//b",
        "",
        ".om-tmp/sneaky",
        "line\nbreak",
    };

    [Theory]
    [MemberData(nameof(HostileKeys))]
    public async Task Hostile_keys_are_refused_by_every_operation(string key)
    {
        var store = _bucket.Store;
        await Assert.ThrowsAsync<InvalidObjectKeyException>(() => store.PutAsync(key, new MemoryStream([1])));
        Assert.Throws<InvalidObjectKeyException>(() => store.OpenWrite(key));
        await Assert.ThrowsAsync<InvalidObjectKeyException>(() => store.HeadAsync(key));
        await Assert.ThrowsAsync<InvalidObjectKeyException>(() => store.OpenReadAsync(key));
        await Assert.ThrowsAsync<InvalidObjectKeyException>(() => store.DeleteAsync(key));
        await Assert.ThrowsAsync<InvalidObjectKeyException>(() => store.InitiateMultipartAsync(key));
        await Assert.ThrowsAsync<InvalidObjectKeyException>(() => store.CopyAsync("fine", key));
        Assert.Throws<InvalidObjectKeyException>(() => store.Presign(new PresignRequest(key, PresignMethod.Put, DateTimeOffset.UtcNow.AddMinutes(1))));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_bucket.Root)!, "escape.txt")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_symlink_inside_the_bucket_that_points_outside_is_not_followed(bool unnamedFiles)
    {
        // A store of its own over a folder of its own: both write modes (unnamed files, named temp files).
        using var bucket = new LocalBucketFixture();
        bucket.Store.UseUnnamedFiles = unnamedFiles;
        Assert.Equal(unnamedFiles, bucket.Store.UseUnnamedFiles);
        var outside = Path.Combine(Path.GetTempPath(), "om-outside-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(outside);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "secret");
            Directory.CreateSymbolicLink(Path.Combine(bucket.Root, "link-out"), outside);
            File.CreateSymbolicLink(Path.Combine(bucket.Root, "file-link-out"), Path.Combine(outside, "secret.txt"));

            await Assert.ThrowsAsync<InvalidObjectKeyException>(() => bucket.Store.OpenReadAsync("link-out/secret.txt"));
            await Assert.ThrowsAsync<InvalidObjectKeyException>(() => bucket.Store.PutAsync("link-out/planted.txt", new MemoryStream([1])));
            await Assert.ThrowsAsync<InvalidObjectKeyException>(() => bucket.Store.OpenReadAsync("file-link-out"));
            Assert.False(File.Exists(Path.Combine(outside, "planted.txt")));

            // A dangling link that would point outside once its target appears is refused too.
            Directory.CreateSymbolicLink(Path.Combine(bucket.Root, "dangling"), Path.Combine(outside, "later"));
            await Assert.ThrowsAsync<InvalidObjectKeyException>(() => bucket.Store.PutAsync("dangling/planted.txt", new MemoryStream([1])));
            await Assert.ThrowsAsync<InvalidObjectKeyException>(() => bucket.Store.PutAsync("dangling", new MemoryStream([1])));
            Assert.False(Directory.Exists(Path.Combine(outside, "later")));

            // Through the streaming API too: refused at completion at the latest, and nothing lands outside.
            foreach (var key in new[] { "file-link-out", "dangling", "link-out/streamed.txt" })
            {
                await Assert.ThrowsAsync<InvalidObjectKeyException>(async () =>
                {
                    await using var write = bucket.Store.OpenWrite(key);
                    await write.WriteAsync(new byte[] { 1, 2, 3 });
                    await write.CompleteAsync();
                });
            }

            Assert.Equal("secret", await File.ReadAllTextAsync(Path.Combine(outside, "secret.txt")));
            Assert.Equal(["secret.txt"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));

            // A link that stays inside the bucket is an ordinary path.
            await bucket.Store.PutAsync("real/inside.txt", new MemoryStream("in"u8.ToArray()));
            Directory.CreateSymbolicLink(Path.Combine(bucket.Root, "link-in"), Path.Combine(bucket.Root, "real"));
            await using var read = await bucket.Store.OpenReadAsync("link-in/inside.txt");
            Assert.Equal("in", Encoding.UTF8.GetString(await TestData.ReadAllAsync(read)));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Unusual_but_harmless_keys_are_stored_where_they_say()
    {
        string[] keys = ["名前/ファイル.txt", "with space/and+plus%25.bin", "a..b/c..", "...hidden-ish", "deep/" + string.Join('/', Enumerable.Range(0, 20))];
        foreach (var key in keys)
        {
            await _bucket.Store.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(key)));
            var path = Path.Combine(_bucket.Root, key.Replace('/', Path.DirectorySeparatorChar));
            Assert.Equal(key, await File.ReadAllTextAsync(path));
        }
    }
}
