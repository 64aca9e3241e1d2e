namespace Orleans.Media.Storage.Tests;

public sealed class LocalObjectStoreTests(LocalBucketFixture bucket) : ObjectStoreTests, IClassFixture<LocalBucketFixture>
{
    protected override IObjectStore Store => bucket.Store;

    protected override bool SeeksAreFree => true;

    protected override string ExpectedMultipartETag(params byte[][] parts) => Md5OfPartMd5s(parts);

    // Streamed writes are not hashed (CPU): an opaque value in S3's multipart shape, never equal to the MD5.
    protected override void AssertStreamedETag(byte[] data, string? etag) => AssertOpaqueETag(data, etag);

    internal static void AssertOpaqueETag(byte[] data, string? etag)
    {
        Assert.Matches("^[0-9a-f]{32}-1$", etag);
        Assert.NotEqual(TestData.Md5(data), etag![..32]);
    }
}
