using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// A local multipart completion racing part rewrites: whatever the interleaving, a completion either publishes the
/// parts whole or is refused with <see cref="IncompleteUploadException"/> (nothing published, the upload open), and a
/// part write either lands or finds no upload (<see cref="ObjectNotFoundException"/>) — never another exception.
/// </summary>
public sealed class LocalMultipartRaceTests : IDisposable
{
    private const string Bucket = "race";
    private const int PartSize = 5 * TestData.MiB;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "om-race-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly ObjectStorage _storage;
    private readonly DirectUploads _uploads;

    public LocalMultipartRaceTests()
    {
        const string signingKey = "race-test-signing-key-0123456789";
        _storage = new ObjectStorage(
            Options.Create(new ObjectStorageOptions { DefaultLocalRoot = _root, LocalSigningKey = signingKey, LocalPublicBaseUrl = "http://127.0.0.1:9/" }),
            new LocalUrlSigner(signingKey));
        _uploads = new DirectUploads(_storage, TimeProvider.System);
    }

    private LocalObjectStore Store => (LocalObjectStore)_storage.GetBucket(Bucket);

    public void Dispose()
    {
        _storage.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_part_rewritten_after_listing_refuses_the_completion_and_leaves_the_upload_open(bool declaredSize)
    {
        // The interleaving DirectUploads.CompleteAsync meets when a client re-sends a part while it completes: the
        // parts are listed, the part is rewritten (answered, a new ETag), then the listed parts are completed.
        var key = TestData.UniquePrefix() + "rewritten.bin";
        var part1 = TestData.Bytes(PartSize, 1);
        var part2 = TestData.Bytes(1000, 2);
        var rewrite = TestData.Bytes(PartSize, 3);
        var uploadId = declaredSize ? await Store.InitiateMultipartAsync(key, PartSize, PartSize + 1000) : await Store.InitiateMultipartAsync(key);
        await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(part1), part1.Length);
        await Store.UploadPartAsync(key, uploadId, 2, new MemoryStream(part2), part2.Length);
        var listed = (await Store.ListPartsAsync(key, uploadId)).Select(p => new CompletedPart(p.PartNumber, p.ETag)).ToList();

        await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(rewrite), rewrite.Length);

        await Assert.ThrowsAsync<IncompleteUploadException>(() => Store.CompleteMultipartAsync(key, uploadId, listed));
        Assert.Null(await Store.HeadAsync(key));
        var fresh = (await Store.ListPartsAsync(key, uploadId)).Select(p => new CompletedPart(p.PartNumber, p.ETag)).ToList();
        await Store.CompleteMultipartAsync(key, uploadId, fresh);
        await using var read = await Store.OpenReadAsync(key);
        Assert.Equal(TestData.Sha256([.. rewrite, .. part2]), TestData.Sha256(await TestData.ReadAllAsync(read)));
    }

    [Fact]
    public async Task A_rewrite_cut_short_after_listing_refuses_the_completion_and_leaves_the_upload_open()
    {
        // A part written in place is no longer listed once its rewrite starts; a rewrite that fails leaves it absent.
        var key = TestData.UniquePrefix() + "cut.bin";
        var part1 = TestData.Bytes(PartSize, 4);
        var uploadId = await Store.InitiateMultipartAsync(key, PartSize, PartSize);
        await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(part1), part1.Length);
        var listed = (await Store.ListPartsAsync(key, uploadId)).Select(p => new CompletedPart(p.PartNumber, p.ETag)).ToList();

        await Assert.ThrowsAsync<IOException>(() => Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(part1[..1000]), part1.Length));

        await Assert.ThrowsAsync<IncompleteUploadException>(() => Store.CompleteMultipartAsync(key, uploadId, listed));
        Assert.Null(await Store.HeadAsync(key));
        Assert.Empty(await Store.ListPartsAsync(key, uploadId));
        await Assert.ThrowsAsync<IncompleteUploadException>(() => _uploads.CompleteAsync(Bucket, key, uploadId, MultipartPlan.Create(PartSize, 1)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_completion_racing_an_abort_publishes_the_whole_object_or_finds_no_upload(bool declaredSize)
    {
        // Abort takes no lock: it may take the upload's folder away at any point of a completion. The completion
        // then either published the parts whole (it got there first) or fails as NoSuchUpload — never another
        // exception, never "incomplete" for an upload that no longer exists, never a partial object.
        const int partSize = 64 * 1024;
        var part1 = TestData.Bytes(partSize, 7);
        var part2 = TestData.Bytes(1000, 8);
        var published = 0;
        for (var i = 0; i < 150; i++)
        {
            var key = $"{TestData.UniquePrefix()}aborted-{i}.bin";
            var uploadId = declaredSize ? await Store.InitiateMultipartAsync(key, partSize, partSize + part2.Length) : await Store.InitiateMultipartAsync(key);
            var e1 = await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(part1), part1.Length);
            var e2 = await Store.UploadPartAsync(key, uploadId, 2, new MemoryStream(part2), part2.Length);

            var complete = Task.Run(() => Store.CompleteMultipartAsync(key, uploadId, [new(1, e1), new(2, e2)]));
            var abort = Task.Run(() =>
            {
                // A random head start for the completion, so the abort lands at every point of it.
                Thread.SpinWait(Random.Shared.Next(20_000));
                return Store.AbortMultipartAsync(key, uploadId);
            });
            await abort;
            try
            {
                await complete;
                published++;
                await using var read = await Store.OpenReadAsync(key);
                Assert.Equal(TestData.Sha256([.. part1, .. part2]), TestData.Sha256(await TestData.ReadAllAsync(read)));
            }
            catch (ObjectNotFoundException)
            {
                Assert.Null(await Store.HeadAsync(key));
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: the completion ended as {e.GetType().Name}: {e.Message}");
            }

            await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ListPartsAsync(key, uploadId));
        }

        Assert.True(published < 150, "every completion ran before its abort: the race was never met");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Completions_racing_part_rewrites_end_only_as_documented(bool declaredSize)
    {
        // Writers re-send part 1 (each body a different whole) while a completer lists the parts and completes them,
        // as DirectUploads.CompleteAsync does, until it succeeds (at the latest when the writers are done). Allowed:
        // writes answered with an ETag or refused as NoSuchUpload (after completion); completions refused as
        // incomplete (nothing published, the upload open) or published with part 1 one body whole.
        const int partSize = 64 * 1024;
        var last = TestData.Bytes(1000, 99);
        var bodies = Enumerable.Range(0, 8).Select(i => TestData.Bytes(partSize, 100 + i)).ToArray();
        var unexpected = new ConcurrentQueue<Exception>();
        for (var round = 0; round < 40; round++)
        {
            var key = $"{TestData.UniquePrefix()}raced-{round}.bin";
            var uploadId = declaredSize ? await Store.InitiateMultipartAsync(key, partSize, partSize + last.Length) : await Store.InitiateMultipartAsync(key);
            await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(bodies[0]), partSize);
            await Store.UploadPartAsync(key, uploadId, 2, new MemoryStream(last), last.Length);

            // A bounded number of rewrites each: writers queued on the part hold the upload's shared lock, so
            // endless rewrites would keep every completion refused (as they should).
            var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
            {
                for (var n = w; n < 30; n += 2)
                {
                    try
                    {
                        await Store.UploadPartAsync(key, uploadId, 1, new MemoryStream(bodies[n % bodies.Length]), partSize);
                    }
                    catch (ObjectNotFoundException)
                    {
                        return; // completed: the upload is gone
                    }
                    catch (Exception e)
                    {
                        unexpected.Enqueue(e);
                        return;
                    }

                    // Pauses let completions in between rewrites, and rewrites in between a listing and its completion.
                    await Task.Delay(Random.Shared.Next(2));
                }
            })).ToArray();

            ObjectInfo? info = null;
            var refusals = 0;
            while (info is null)
            {
                try
                {
                    var listed = await Store.ListPartsAsync(key, uploadId);
                    if (listed.Count != 2)
                    {
                        refusals++; // part 1 is being rewritten: what DirectUploads refuses as incomplete
                        await Task.Yield();
                        continue;
                    }

                    info = await Store.CompleteMultipartAsync(key, uploadId, [.. listed.Select(p => new CompletedPart(p.PartNumber, p.ETag))]);
                }
                catch (IncompleteUploadException)
                {
                    refusals++;
                    Assert.Null(await Store.HeadAsync(key));
                    await Task.Yield();
                }
                catch (Exception e)
                {
                    unexpected.Enqueue(e);
                    break;
                }
            }

            await Task.WhenAll(writers);
            Assert.True(unexpected.IsEmpty, $"round {round} ({refusals} refusals): {string.Join(" | ", unexpected.Select(e => e.GetType().Name + ": " + e.Message))}");

            await using var read = await Store.OpenReadAsync(key);
            var stored = await TestData.ReadAllAsync(read);
            Assert.Equal(partSize + last.Length, stored.Length);
            Assert.Contains(bodies, b => stored.AsSpan(0, partSize).SequenceEqual(b));
            Assert.True(stored.AsSpan(partSize).SequenceEqual(last));
            Assert.Equal(info!.ETag, (await Store.HeadAsync(key))!.ETag);
        }
    }
}
