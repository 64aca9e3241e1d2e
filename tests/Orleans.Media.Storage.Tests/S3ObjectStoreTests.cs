namespace Orleans.Media.Storage.Tests;

public sealed class S3ObjectStoreTests(S3BucketFixture bucket) : ObjectStoreTests, IClassFixture<S3BucketFixture>
{
    protected override IObjectStore Store => bucket.Store;

    // s3rver (unlike AWS and MinIO) answers a multipart object's ETag as the MD5 of the whole object.
    protected override string ExpectedMultipartETag(params byte[][] parts) => TestData.Md5(parts.SelectMany(p => p).ToArray());

    protected override void AssertStreamedETag(byte[] data, string? etag) => Assert.Equal(TestData.Md5(data), etag);
}
