namespace Orleans.Media.Storage.Tests;

/// <summary>The whole storage contract again on a local folder written through named temp files and renames.</summary>
public sealed class LocalNamedTempObjectStoreTests(NamedTempBucketFixture bucket) : ObjectStoreTests, IClassFixture<NamedTempBucketFixture>
{
    protected override IObjectStore Store => bucket.Store;

    protected override bool SeeksAreFree => true;

    protected override string ExpectedMultipartETag(params byte[][] parts) => Md5OfPartMd5s(parts);

    protected override void AssertStreamedETag(byte[] data, string? etag) => LocalObjectStoreTests.AssertOpaqueETag(data, etag);
}
