using System.Globalization;
using Orleans.Media.Processing.Actions;

namespace Orleans.Media.Processing.Tests;

public sealed class VideoActionTests : IDisposable
{
    private readonly ProcessingHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Video_convert_writes_the_container_codecs_size_and_frame_rate_asked_for()
    {
        var source = await _host.MakeClipAsync("v/clip.mp4");
        var action = _host.Actions.Prepare("video/convert", ["format=webm", "s=64x48", "fps=10", "vb=200000", "ab=48000", "output=oss://{bucket}/{dirname}/conv/{barename}.{autoext}"]);

        var result = await action.RunAsync(source);

        var output = Assert.Single(result.Outputs);
        Assert.Equal("v/conv/clip.webm", output.Uri.Key);
        var probe = await Tool.ProbeAsync(_host.PathOf(output.Uri.Key));
        Assert.Contains("webm", probe.GetProperty("format").GetProperty("format_name").GetString());
        var video = Tool.Stream(probe, "video");
        Assert.Equal("vp9", video.GetProperty("codec_name").GetString());
        Assert.Equal((64, 48), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.Equal("10/1", video.GetProperty("r_frame_rate").GetString());
        Assert.Equal("opus", Tool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Empty(_host.ScratchLeftovers());
    }

    [Fact]
    public async Task Video_convert_to_mp4_h265_without_audio_and_trimmed()
    {
        var source = await _host.MakeClipAsync("v/trim.mp4");

        var output = Assert.Single((await _host.Actions.Prepare("video/convert", ["f=mp4", "vcodec=h265", "acodec=none", "w=64", "ss=500", "t=1000", "preset=ultrafast"]).RunAsync(source)).Outputs);

        var probe = await Tool.ProbeAsync(_host.PathOf(output.Uri.Key));
        var video = Tool.Stream(probe, "video");
        Assert.Equal("hevc", video.GetProperty("codec_name").GetString());
        Assert.Equal((64, 48), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.DoesNotContain(probe.GetProperty("streams").EnumerateArray(), s => s.GetProperty("codec_type").GetString() == "audio");
        var duration = double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(duration, 0.9, 1.2);
    }

    [Fact]
    public async Task Audio_convert_writes_the_codec_rate_and_channels_asked_for()
    {
        var source = await _host.MakeWithFfmpegAsync("a/tone.wav", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=1", "-ac", "2");

        var output = Assert.Single((await _host.Actions.Prepare("audio/convert", ["format=mp3", "ar=22050", "ac=1", "ab=64000"]).RunAsync(source)).Outputs);

        Assert.Equal("a/tone_output.mp3", output.Uri.Key);
        var audio = Tool.Stream(await Tool.ProbeAsync(_host.PathOf(output.Uri.Key)), "audio");
        Assert.Equal("mp3", audio.GetProperty("codec_name").GetString());
        Assert.Equal("22050", audio.GetProperty("sample_rate").GetString());
        Assert.Equal(1, audio.GetProperty("channels").GetInt32());
    }

    [Fact]
    public async Task Snapshots_at_times_give_one_image_each_in_order()
    {
        var source = await _host.MakeClipAsync("s/clip.mp4");

        var result = await _host.Actions.Prepare("video/snapshots", ["t=500,1500", "w=32", "output=oss://{bucket}/snaps/{barename}/{index}.{autoext}"]).RunAsync(source);

        Assert.Equal(["snaps/clip/1.jpg", "snaps/clip/2.jpg"], result.Outputs.Select(o => o.Uri.Key));
        foreach (var output in result.Outputs)
        {
            using var image = NetVips.Image.NewFromFile(_host.PathOf(output.Uri.Key));
            Assert.StartsWith("jpegload", (string)image.Get("vips-loader"));
            Assert.Equal((32, 24), (image.Width, image.Height));
        }

        // Different frames of the moving test pattern.
        Assert.NotEqual(await File.ReadAllBytesAsync(_host.PathOf("snaps/clip/1.jpg")), await File.ReadAllBytesAsync(_host.PathOf("snaps/clip/2.jpg")));
    }

    [Fact]
    public async Task Snapshots_at_an_interval_are_capped_by_num()
    {
        var source = await _host.MakeClipAsync("s/int.mp4");

        var result = await _host.Actions.Prepare("video/snapshots", ["interval=500", "num=3", "format=png"]).RunAsync(source);

        Assert.Equal(["s/int_output_1.png", "s/int_output_2.png", "s/int_output_3.png"], result.Outputs.Select(o => o.Uri.Key));
        using var image = NetVips.Image.NewFromFile(_host.PathOf(result.Outputs[2].Uri.Key));
        Assert.Equal((128, 96), (image.Width, image.Height));
    }

    [Fact]
    public async Task A_snapshot_past_the_end_fails_that_file()
    {
        var source = await _host.MakeClipAsync("s/short.mp4");

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => _host.Actions.Prepare("video/snapshots", ["t=500,9000"]).RunAsync(source));

        Assert.Contains("9000", e.Reason);
        Assert.Empty(_host.ScratchLeftovers());
    }

    [Fact]
    public async Task A_damaged_video_fails_with_ffmpegs_words()
    {
        var source = await _host.PutBytesAsync("bad/not-a-video.mp4", "this is not a video at all"u8.ToArray());

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => _host.Actions.Prepare("video/convert", ["format=mp4"]).RunAsync(source));

        Assert.Contains("ffmpeg exited with code", e.Reason);
        Assert.Contains("Invalid data", e.Reason);
        Assert.Empty(_host.ScratchLeftovers());
    }
}
