using Orleans.Media.Archives.Tests.Support;
using Orleans.Media.Storage;

namespace Orleans.Media.Archives.Tests;

/// <summary>The pipeline against the real S3 backend on s3rver: archive read by ranged GETs, entries written by PUT/multipart.</summary>
public sealed class S3PipelineTests
{
    [Theory]
    [InlineData("zip")]
    [InlineData("7z-solid")]
    [InlineData("tar.gz")]
    public async Task S3_to_S3_extraction_matches_bsdtar(string kind)
    {
        using var h = new ArchiveHarness();
        using var s3 = await S3Buckets.CreateAsync();
        var tree = SampleTrees.Create(h.Work, links: true);
        var big = new byte[12 * 1024 * 1024]; // larger than a multipart part: exercises streaming multipart writes
        new Random(9).NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(tree, "bin", "large.bin"), big);
        var archive = ArchiveBuilder.Build(kind, tree, h.Work);
        var extractor = new ObjectArchiveExtractor(s3.Storage, h.Extractor);

        var result = await extractor.ExtractAsync(await s3.UploadAsync(archive), ObjectUri.Parse($"s3://{s3.Target}/out/"), new ExtractionOptions());

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(h.BsdtarHashes(archive), await s3.HashesAsync("out/"));
        Assert.Contains(result.Entries, e => e.Uri == $"s3://{s3.Target}/out/bin/large.bin" && e.UnPackedSize == big.Length);
        Assert.True(result.SourceBytesFetched >= new FileInfo(archive).Length);
    }

    [Fact]
    public async Task Selected_entries_from_a_zip_on_S3_fetch_little_of_it()
    {
        using var h = new ArchiveHarness();
        using var s3 = await S3Buckets.CreateAsync();
        var src = Directory.CreateDirectory(Path.Combine(h.Work, "big")).FullName;
        var data = new byte[100_000];
        var rng = new Random(2);
        for (var i = 0; i < 300; i++)
        {
            rng.NextBytes(data);
            await File.WriteAllBytesAsync(Path.Combine(src, $"f{i:000}.bin"), data);
        }

        var archive = Path.Combine(h.Work, "big.zip");
        Tools.Run(src, "zip", "-q", "-r", "-0", archive, ".");
        var extractor = new ObjectArchiveExtractor(s3.Storage, h.Extractor);

        var result = await extractor.ExtractAsync(
            await s3.UploadAsync(archive),
            ObjectUri.Parse($"s3://{s3.Target}/sel/"),
            new ExtractionOptions { SelectedPaths = ["f010.bin", "f150.bin", "f299.bin"] });

        Assert.True(result.Succeeded, result.Error?.ToString());
        var all = h.BsdtarHashes(archive);
        var got = await s3.HashesAsync("sel/");
        Assert.Equal(["f010.bin", "f150.bin", "f299.bin"], got.Keys);
        Assert.All(got, kv => Assert.Equal(all[kv.Key], kv.Value));
        var pct = 100.0 * result.SourceBytesFetched!.Value / new FileInfo(archive).Length;
        Assert.True(pct < 5, $"fetched {pct:0.00}% of the archive");
    }
}
