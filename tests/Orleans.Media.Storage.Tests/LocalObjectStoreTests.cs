namespace Orleans.Media.Storage.Tests;

public sealed class LocalObjectStoreTests(LocalBucketFixture bucket) : ObjectStoreTests, IClassFixture<LocalBucketFixture>
{
    protected override IObjectStore Store => bucket.Store;

    protected override string ExpectedMultipartETag(params byte[][] parts) => Md5OfPartMd5s(parts);

    // A local streaming write is one temp file renamed into place, not a multipart upload: plain MD5.
    protected override string ExpectedStreamedETag(byte[] data, int partSize) => TestData.Md5(data);
}
