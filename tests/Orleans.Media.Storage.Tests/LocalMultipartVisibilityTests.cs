namespace Orleans.Media.Storage.Tests;

/// <summary>What a reader of a local folder sees while an object is completed or copied into it.</summary>
public sealed class LocalMultipartVisibilityTests(LocalBucketFixture bucket) : IClassFixture<LocalBucketFixture>
{
    [Fact]
    public async Task A_completed_or_copied_object_appears_with_its_etag_never_without()
    {
        // A reader polls the key from before the object is made: the first time it sees the object, the object has
        // its ETag. In turn: a multipart upload that declared its part size (parts written in place), one that did
        // not (parts as files), and a copy.
        var store = bucket.Store;
        var source = await store.PutAsync("visible/source.bin", new MemoryStream(new byte[1024]));
        for (var i = 0; i < 300; i++)
        {
            var key = $"visible/{i}.bin";
            string? uploadId = null;
            string? partETag = null;
            if (i % 3 != 2)
            {
                uploadId = i % 3 == 0 ? await store.InitiateMultipartAsync(key, 1024, 1024) : await store.InitiateMultipartAsync(key);
                partETag = await store.UploadPartAsync(key, uploadId, 1, new MemoryStream(new byte[1024]), 1024);
            }

            var polling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var firstSeen = Task.Run(async () =>
            {
                ObjectInfo? info;
                polling.TrySetResult();
                while ((info = await store.HeadAsync(key)) is null)
                {
                }

                return info;
            });
            await polling.Task;

            string? expected;
            if (uploadId is null)
            {
                await store.CopyAsync(source.Key, key);
                expected = source.ETag;
            }
            else
            {
                expected = (await store.CompleteMultipartAsync(key, uploadId, [new CompletedPart(1, partETag!)])).ETag;
            }

            var seen = await firstSeen;
            Assert.True(expected == seen.ETag, $"object {i}: a reader saw it with ETag '{seen.ETag}', not '{expected}'");
        }
    }
}
