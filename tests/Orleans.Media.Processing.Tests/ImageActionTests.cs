using Orleans.Media.Processing.Actions;

namespace Orleans.Media.Processing.Tests;

public sealed class ImageActionTests : IDisposable
{
    private readonly ProcessingHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Convert_writes_the_requested_format()
    {
        var source = await _host.MakeImageAsync("pics/a.png");
        var action = _host.Actions.Prepare("image/convert", ["format=webp", "quality=70"]);

        var result = await action.RunAsync(source);

        var output = Assert.Single(result.Outputs);
        Assert.Equal("pics/a_output.webp", output.Uri.Key);
        using var image = NetVips.Image.NewFromFile(_host.PathOf(output.Uri.Key));
        Assert.StartsWith("webpload", (string)image.Get("vips-loader"));
        Assert.Equal((64, 64), (image.Width, image.Height));
        Assert.Equal("image/webp", (await _host.Storage.GetBucket(ProcessingHost.Bucket).HeadAsync(output.Uri.Key))!.ContentType);
    }

    [Theory]
    [InlineData(new[] { "w=32" }, 200, 100, 32, 16)] // lfit: width bounds
    [InlineData(new[] { "m=fixed", "w=40", "h=20" }, 64, 64, 40, 20)]
    [InlineData(new[] { "m=fill", "w=30", "h=10" }, 64, 64, 30, 10)]
    [InlineData(new[] { "m=pad", "w=60", "h=20" }, 64, 64, 60, 20)]
    [InlineData(new[] { "m=mfit", "w=20", "h=10" }, 200, 100, 20, 10)]
    [InlineData(new[] { "m=mfit", "w=10", "h=10" }, 200, 100, 20, 10)] // covers the box: the short side is 10
    [InlineData(new[] { "p=50" }, 64, 32, 32, 16)]
    [InlineData(new[] { "l=50" }, 100, 200, 25, 50)] // portrait: the long side is the height
    [InlineData(new[] { "w=500" }, 64, 64, 64, 64)] // limit=1 (default): never enlarged
    [InlineData(new[] { "w=128", "limit=0" }, 64, 64, 128, 128)]
    public async Task Resize_gives_the_size_of_each_mode(string[] parameters, int width, int height, int expectedWidth, int expectedHeight)
    {
        var source = await _host.MakeImageAsync("in.jpg", width, height, ".jpg");

        var result = await _host.Actions.Prepare("image/resize", [.. parameters, "format=png", "output=oss://{bucket}/out/{barename}.{autoext}"]).RunAsync(source);

        var output = Assert.Single(result.Outputs);
        Assert.Equal("out/in.png", output.Uri.Key);
        using var image = NetVips.Image.NewFromFile(_host.PathOf(output.Uri.Key));
        Assert.Equal((expectedWidth, expectedHeight), (image.Width, image.Height));
    }

    [Fact]
    public async Task Resize_keeps_the_source_format_when_none_is_given()
    {
        var source = await _host.MakeImageAsync("keep.jpg", 80, 40, ".jpg");

        var output = Assert.Single((await _host.Actions.Prepare("image/resize", ["w=40"]).RunAsync(source)).Outputs);

        Assert.Equal("keep_output.jpg", output.Uri.Key);
        using var image = NetVips.Image.NewFromFile(_host.PathOf(output.Uri.Key));
        Assert.StartsWith("jpegload", (string)image.Get("vips-loader"));
        Assert.Equal((40, 20), (image.Width, image.Height));
    }

    [Fact]
    public async Task Crop_cuts_the_rectangle_clipped_to_the_image()
    {
        var source = await _host.MakeImageAsync("c.png");

        var inside = Assert.Single((await _host.Actions.Prepare("image/crop", ["x=8", "y=4", "w=16", "h=24"]).RunAsync(source)).Outputs);
        var clipped = Assert.Single((await _host.Actions.Prepare("image/crop", ["x=60", "y=0", "w=16", "h=16", "output=oss://media/clip.{autoext}"]).RunAsync(source)).Outputs);

        using (var image = NetVips.Image.NewFromFile(_host.PathOf(inside.Uri.Key)))
        {
            Assert.Equal((16, 24), (image.Width, image.Height));
        }

        using (var image = NetVips.Image.NewFromFile(_host.PathOf(clipped.Uri.Key)))
        {
            Assert.Equal((4, 16), (image.Width, image.Height));
        }

        var outside = _host.Actions.Prepare("image/crop", ["x=64", "w=1", "h=1"]);
        var e = await Assert.ThrowsAsync<ActionFailedException>(() => outside.RunAsync(source));
        Assert.Contains("outside", e.Reason);
    }

    [Fact]
    public async Task A_damaged_image_fails_with_a_reason()
    {
        var png = NetVips.Image.Black(32, 32).WriteToBuffer(".png");
        var source = await _host.PutBytesAsync("broken.png", png[..(png.Length / 2)].Concat(new byte[64]).ToArray());

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => _host.Actions.Prepare("image/resize", ["w=10"]).RunAsync(source));

        Assert.Contains("libvips", e.Reason);
        Assert.Null(await _host.Storage.GetBucket(ProcessingHost.Bucket).HeadAsync("broken_output.png"));
    }

    [Fact]
    public async Task An_output_that_would_overwrite_the_source_is_refused()
    {
        var source = await _host.MakeImageAsync("same.png");
        var before = await File.ReadAllBytesAsync(_host.PathOf("same.png"));

        var e = await Assert.ThrowsAsync<ActionFailedException>(() =>
            _host.Actions.Prepare("image/resize", ["w=10", "output=oss://{bucket}/{dirname}/{barename}.{autoext}"]).RunAsync(source));

        Assert.Contains("overwrite", e.Reason);
        Assert.Equal(before, await File.ReadAllBytesAsync(_host.PathOf("same.png")));
    }
    [Theory]
    [InlineData(new[] { "s=2000", "limit=0" }, 10, 1000)] // the long side follows the short one: 2000x200000
    [InlineData(new[] { "p=1000", "limit=0" }, 2000, 2000)] // 20000x20000
    [InlineData(new[] { "m=mfit", "w=16384", "h=16", "limit=0" }, 16, 1000)] // covering the box: 16384x1024000
    public async Task A_resize_past_the_side_limit_fails_before_computing(string[] parameters, int width, int height)
    {
        var source = await _host.MakeImageAsync("huge/in.png", width, height);

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => _host.Actions.Prepare("image/resize", [.. parameters, "format=jpg"]).RunAsync(source));

        Assert.Contains("16384", e.Reason);
        Assert.False(File.Exists(_host.PathOf("huge/in_output.jpg")));
    }

    [Fact]
    public async Task An_image_over_the_pixel_limit_is_refused_from_its_header_and_one_at_it_is_processed()
    {
        // A small file can declare a huge image: the limit is read from the header, before anything is decoded.
        using var host = new ProcessingHost(o => o.MaxImagePixels = 1000 * 1000);
        var over = await host.MakeImageAsync("limit/over.png", 1001, 1000);
        var at = await host.MakeImageAsync("limit/at.png", 1000, 1000);
        var action = host.Actions.Prepare("image/convert", ["format=jpg"]);

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => action.RunAsync(over));
        Assert.Contains("1001x1000", e.Reason);
        Assert.Contains("MaxImagePixels", e.Reason);
        Assert.False(File.Exists(host.PathOf("limit/over_output.jpg")));

        var done = await action.RunAsync(at);
        Assert.Single(done.Outputs);
    }

    [Fact]
    public async Task Cancelling_an_image_action_stops_libvips_and_stores_nothing()
    {
        // A 16384x16384 JPEG of noise takes libvips seconds to write: cancelled once its first bytes reach the store (an
        // unnamed file in the target's folder, seen through this process's open files).
        var source = await _host.PutBytesAsync("big/in.jpg", Noise(".jpg"));
        var action = _host.Actions.Prepare("image/resize", ["m=fixed", "w=16384", "h=16384", "limit=0", "format=jpg"]);
        using var cancel = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();

        var run = action.RunAsync(source, cancel.Token);
        await Tool.WaitUntilAsync(() => run.IsCompleted || WritingUnder(_host.PathOf("big")), "the output is being written");
        var beforeCancel = started.Elapsed;
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var afterCancel = started.Elapsed - beforeCancel;

        // Measured against the same run (a loaded machine slows both): the first rows took beforeCancel; libvips
        // left to finish would take many times that after the cancellation, a killed one a moment.
        Assert.True(afterCancel < beforeCancel, $"{afterCancel} after the cancellation, {beforeCancel} before it");
        Assert.False(File.Exists(_host.PathOf("big/in_output.jpg")));
        Assert.False(WritingUnder(_host.PathOf("big")));
    }

    [Fact]
    public async Task An_image_action_past_the_time_limit_is_stopped_and_reported_like_a_tool_timeout()
    {
        // The smallest limit the options take (1 s) against a 16384x16384 enlargement of noise saved as PNG: zlib
        // alone spends far more than a second on ~800 MB of incompressible rows, on any machine.
        using var host = new ProcessingHost(o => o.ToolTimeLimit = TimeSpan.FromSeconds(1));
        var source = await host.PutBytesAsync("slow/in.png", Noise(".png"));
        var action = host.Actions.Prepare("image/resize", ["m=fixed", "w=16384", "h=16384", "limit=0", "format=png"]);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => action.RunAsync(source));

        // The limit's timer counts whole milliseconds of a coarser clock than the Stopwatch: it may fire a fraction of one early by it.
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(20), $"failed after {started.Elapsed}, before its limit");
        Assert.Contains("time limit of 00:00:01", e.Reason);
        Assert.Contains("ToolTimeLimit", e.Reason);
        var timedOut = Assert.IsType<Orleans.Media.Processing.Tools.ToolFailedException>(e.InnerException);
        Assert.Equal((Orleans.Media.Processing.Tools.ToolFailureKind.TimedOut, "libvips"), (timedOut.Kind, timedOut.Tool));
        Assert.Null(await host.Storage.GetBucket(ProcessingHost.Bucket).HeadAsync("slow/in_output.png"));
        Assert.False(File.Exists(host.PathOf("slow/in_output.png")));
        Assert.False(WritingUnder(host.PathOf("slow")));
    }

    /// <summary>A 400x400 RGB image of noise (nothing for an encoder to save on), encoded as <paramref name="suffix"/>.</summary>
    private static byte[] Noise(string suffix)
    {
        using var gray = NetVips.Image.Gaussnoise(400, 400, sigma: 60, mean: 128);
        using var rgb = gray.Bandjoin(gray, gray).Cast(NetVips.Enums.BandFormat.Uchar);
        return rgb.WriteToBuffer(suffix);
    }

    /// <summary>Whether this process is writing a non-empty unnamed file (O_TMPFILE) in <paramref name="folder"/>.</summary>
    private static bool WritingUnder(string folder) =>
        Directory.EnumerateFiles("/proc/self/fd").Any(fd =>
        {
            try
            {
                var file = new FileInfo(fd);
                return file.LinkTarget is { } target && target.StartsWith(folder + "/", StringComparison.Ordinal) && target.EndsWith(" (deleted)", StringComparison.Ordinal) && file.Length > 0;
            }
            catch (IOException)
            {
                return false;
            }
        });
}
