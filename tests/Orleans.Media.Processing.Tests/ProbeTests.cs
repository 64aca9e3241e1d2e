using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Media.Processing.Probing;
using Orleans.Media.Processing.Tools;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Processing.Tests;

public sealed class ProbeTests : IDisposable
{
    private readonly ProcessingHost _host = new();

    public void Dispose() => _host.Dispose();

    private MediaProber Prober => _host.Services.GetRequiredService<MediaProber>();

    [Fact]
    public async Task A_video_reports_format_duration_bitrate_size_and_streams()
    {
        var source = await _host.MakeClipAsync("p/clip.mp4");

        var info = await Prober.ProbeAsync(source);

        Assert.Null(info.Problem);
        Assert.Equal(MediaKind.Video, info.Kind);
        Assert.Contains("mp4", info.FormatName);
        Assert.InRange(info.Duration!.Value, 1.9, 2.2);
        Assert.True(info.Bitrate > 0);
        Assert.Equal((128, 96), (info.Width, info.Height));
        Assert.Equal(new FileInfo(_host.PathOf("p/clip.mp4")).Length, info.Size);
        var video = Assert.Single(info.Streams, s => s.Type == "video");
        Assert.Equal("h264", video.Codec);
        Assert.Equal(25, video.Fps);
        var audio = Assert.Single(info.Streams, s => s.Type == "audio");
        Assert.Equal("aac", audio.Codec);
        Assert.Equal(44100, audio.SampleRate);
        Assert.Equal(1, audio.Channels);
        Assert.Empty(_host.ScratchLeftovers());
    }

    [Fact]
    public async Task Audio_reports_codec_sample_rate_and_channels()
    {
        var source = await _host.MakeWithFfmpegAsync("p/tone.mp3", "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=32000:duration=1", "-ac", "2");

        var info = await Prober.ProbeAsync(source);

        Assert.Equal(MediaKind.Audio, info.Kind);
        Assert.Equal("mp3", info.FormatName);
        Assert.Null(info.Width);
        var audio = Assert.Single(info.Streams);
        Assert.Equal(("mp3", 32000, 2), (audio.Codec, audio.SampleRate!.Value, audio.Channels!.Value));
    }

    [Fact]
    public async Task An_image_reports_width_height_and_format_from_libvips()
    {
        var source = await _host.MakeImageAsync("p/pic.data", 48, 20, ".webp");

        var info = await Prober.ProbeAsync(source);

        Assert.Equal(MediaKind.Image, info.Kind);
        Assert.Equal((48, 20), (info.Width, info.Height));
        Assert.Equal("webp", info.FormatName);
        Assert.Null(info.Problem);
    }

    [Fact]
    public async Task Anything_else_reports_size_and_type_with_a_reason()
    {
        var source = await _host.PutBytesAsync("p/notes.txt", "plain text, not media"u8.ToArray());

        var info = await Prober.ProbeAsync(source);

        Assert.Equal(MediaKind.Other, info.Kind);
        Assert.Equal(21, info.Size);
        Assert.Contains("not a recognised audio, video or image format", info.Problem);
        Assert.Null(info.FormatName);
    }

    [Fact]
    public async Task A_damaged_video_gives_a_clear_reason()
    {
        await _host.MakeClipAsync("p/whole.mp4");
        var whole = await File.ReadAllBytesAsync(_host.PathOf("p/whole.mp4"));
        var source = await _host.PutBytesAsync("p/cut.mp4", whole[..(whole.Length / 3)]);

        var info = await Prober.ProbeAsync(source);

        Assert.Equal(MediaKind.Video, info.Kind);
        Assert.StartsWith("damaged or unsupported media:", info.Problem);
        Assert.Contains("p/cut.mp4", info.Problem);
    }

    [Fact]
    public async Task A_damaged_image_gives_a_clear_reason()
    {
        var source = await _host.PutBytesAsync("p/bad.png", [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var info = await Prober.ProbeAsync(source);

        Assert.Equal(MediaKind.Image, info.Kind);
        Assert.Contains("libvips could not read the image", info.Problem);
    }

    [Fact]
    public async Task Audio_with_large_tags_is_probed_without_them()
    {
        // Tags are not reported, so ffprobe is not asked for them: 2 x 12 MB of title and comment are not read into memory.
        var meta = Path.Combine(_host.Root, "meta.txt");
        await File.WriteAllTextAsync(meta, ";FFMETADATA1\ntitle=" + new string('t', 12_000_000) + "\ncomment=" + new string('c', 12_000_000) + "\n");
        var source = await _host.MakeWithFfmpegAsync("p/tagged.mkv", "-f", "lavfi", "-i", "sine=duration=1", "-i", meta, "-map", "0", "-map_metadata", "1", "-c:a", "flac");

        var info = await Prober.ProbeAsync(source);

        Assert.Null(info.Problem);
        Assert.Equal(MediaKind.Audio, info.Kind);
        Assert.Equal("flac", Assert.Single(info.Streams).Codec);
    }

    [Fact]
    public async Task An_empty_object_gives_a_reason()
    {
        var info = await Prober.ProbeAsync(await _host.PutBytesAsync("p/empty.mp4", []));

        Assert.Equal("the object is empty", info.Problem);
    }

    [Fact]
    public async Task An_s3_object_is_probed_through_a_presigned_url_without_a_copy()
    {
        // The test s3rver (deploy/test-env.sh); ffprobe reads it with range requests.
        using var s3 = await S3TestBucket.CreateAsync("om-probe-");
        var (bucket, admin, storage) = (s3.Name, s3.Admin, s3.Storage);
        var clip = await _host.MakeClipAsync("s3/clip.mp4");
        await using (var file = File.OpenRead(_host.PathOf(clip.Key)))
        {
            await storage.GetBucket(bucket).PutAsync("in/clip.mp4", file);
        }

        var processing = Options.Create(new ProcessingOptions { ScratchRoot = _host.ScratchRoot });
        var scratch = new ScratchSpace(processing);
        var prober = new MediaProber(
            storage,
            _host.Services.GetRequiredService<ToolRunner>(),
            scratch,
            new MediaFiles(storage, processing),
            processing,
            TimeProvider.System);

        var info = await prober.ProbeAsync(new ObjectUri("oss", bucket, "in/clip.mp4"));

        Assert.Null(info.Problem);
        Assert.Equal((MediaKind.Video, 128, 96), (info.Kind, info.Width!.Value, info.Height!.Value));
        Assert.Empty(_host.ScratchLeftovers());
        await admin.DeleteObjectAsync(bucket, "in/clip.mp4");
        await admin.DeleteBucketAsync(bucket);
    }
}
