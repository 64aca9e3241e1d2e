using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NetVips;
using Orleans.Media.Processing.Actions.Video;
using Orleans.Media.Processing.Tools;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;
using Orleans.Media.Storage.S3;

namespace Orleans.Media.Processing.Probing;

/// <summary>
/// Reads the facts of an object in storage. Images (recognised by their first bytes) go to libvips, which reads only
/// the header through the object's seekable stream (ranged reads). Anything else goes to ffprobe, which reads a local
/// object in place and an S3 object through a short-lived presigned URL with its own range requests; only other
/// backends get a bounded temporary copy.
/// </summary>
public sealed class MediaProber(IObjectStorage storage, ToolRunner runner, ScratchSpace scratch, MediaFiles files, IOptions<ProcessingOptions> options, TimeProvider time)
{
    private static readonly string[] VideoExtensions = [".mp4", ".mov", ".mkv", ".webm", ".avi", ".flv", ".ts", ".m4v", ".wmv", ".3gp", ".mpg", ".mpeg"];
    private static readonly string[] AudioExtensions = [".mp3", ".aac", ".m4a", ".wav", ".flac", ".ogg", ".opus", ".wma", ".amr"];
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".avif"];

    /// <summary>
    /// What <see cref="Parse"/> reads, and only that: tags and the rest of ffprobe's report would be read into memory
    /// for nothing, and a crafted file holds megabytes of them.
    /// </summary>
    private const string ReportedEntries =
        "format=format_name,duration,bit_rate" +
        ":stream=index,codec_type,codec_name,avg_frame_rate,r_frame_rate,sample_rate,channels,width,height,bit_rate,duration" +
        ":stream_disposition=attached_pic";

    public async Task<MediaInfo> ProbeAsync(ObjectUri source, CancellationToken cancellationToken = default)
    {
        var store = storage.GetBucket(source.Bucket);
        var head = await store.HeadAsync(source.Key, cancellationToken).ConfigureAwait(false) ?? throw new ObjectNotFoundException(source.Bucket, source.Key);
        var hint = Hint(source.Key, head.ContentType);
        if (head.Size == 0)
        {
            return Unreadable(hint, head, "the object is empty");
        }

        await using (var stream = await store.OpenReadAsync(source.Key, new ReadOptions { ReadAheadBytes = 256 * 1024 }, cancellationToken).ConfigureAwait(false))
        {
            var magic = new byte[16];
            var n = await stream.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (LooksLikeImage(magic.AsSpan(0, n)))
            {
                stream.Position = 0;
                return await Task.Run(() => ProbeImage(stream, head), cancellationToken).ConfigureAwait(false);
            }
        }

        return await ProbeWithFfprobeAsync(store, source, head, hint, cancellationToken).ConfigureAwait(false);
    }

    private static MediaInfo ProbeImage(Stream stream, ObjectInfo head)
    {
        try
        {
            using var image = NetVips.Image.NewFromStream(stream, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            var loader = image.Contains("vips-loader") ? (string)image.Get("vips-loader") : null;
            var format = loader is null ? null : loader.Replace("load_source", string.Empty, StringComparison.Ordinal).Replace("load", string.Empty, StringComparison.Ordinal);
            return new MediaInfo(MediaKind.Image, head.Size, head.ContentType, format, null, null, image.Width, image.Height, [], null);
        }
        catch (VipsException e)
        {
            return Unreadable(MediaKind.Image, head, "libvips could not read the image: " + e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault());
        }
    }

    private async Task<MediaInfo> ProbeWithFfprobeAsync(IObjectStore store, ObjectUri source, ObjectInfo head, MediaKind hint, CancellationToken cancellationToken)
    {
        using var folder = scratch.Create("probe");
        string input = store switch
        {
            LocalObjectStore local => local.FilePathOf(source.Key) ?? throw new ObjectNotFoundException(source.Bucket, source.Key),
            S3ObjectStore => store.Presign(new PresignRequest(source.Key, PresignMethod.Get, time.GetUtcNow().Add(options.Value.ProbeTimeLimit).AddMinutes(1))).AbsoluteUri,
            _ => await files.LocalPathAsync(source, folder, cancellationToken).ConfigureAwait(false),
        };

        ToolResult result;
        try
        {
            result = await runner.RunAsync(
                new ToolRun(options.Value.FfprobePath, ["-v", "error", "-format_whitelist", FfmpegCodecs.InputFormats, "-print_format", "json", "-show_entries", ReportedEntries, input], folder.Path)
                {
                    TimeLimit = options.Value.ProbeTimeLimit,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ToolFailedException e)
        {
            // Keep the URL (a credential) out of the reason: ffprobe names its input in errors.
            var reason = e.StandardErrorTail.Replace(input, source.ToString(), StringComparison.Ordinal);
            return hint == MediaKind.Other
                ? Unreadable(MediaKind.Other, head, $"not a recognised audio, video or image format ({reason})")
                : Unreadable(hint, head, e.Kind == ToolFailureKind.ExitCode ? $"damaged or unsupported media: {reason}" : e.Message.Replace(input, source.ToString(), StringComparison.Ordinal));
        }

        return Parse(result.StandardOutput, head, hint);
    }

    internal static MediaInfo Parse(string json, ObjectInfo head, MediaKind hint)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var streams = new List<MediaStreamInfo>();
        var hasVideo = false;
        var hasAudio = false;
        int? width = null;
        int? height = null;
        if (root.TryGetProperty("streams", out var list))
        {
            foreach (var s in list.EnumerateArray())
            {
                var type = String(s, "codec_type") ?? "data";
                var attachedPicture = s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var ap) && ap.GetInt32() == 1;
                var info = new MediaStreamInfo(
                    s.TryGetProperty("index", out var i) ? i.GetInt32() : streams.Count,
                    type,
                    String(s, "codec_name"),
                    type == "video" ? Rate(String(s, "avg_frame_rate")) ?? Rate(String(s, "r_frame_rate")) : null,
                    Int(String(s, "sample_rate")),
                    s.TryGetProperty("channels", out var ch) ? ch.GetInt32() : null,
                    s.TryGetProperty("width", out var w) ? w.GetInt32() : null,
                    s.TryGetProperty("height", out var h) ? h.GetInt32() : null,
                    Long(String(s, "bit_rate")),
                    Double(String(s, "duration")));
                streams.Add(info);
                if (type == "video" && !attachedPicture && !hasVideo)
                {
                    hasVideo = true;
                    (width, height) = (info.Width, info.Height);
                }

                hasAudio |= type == "audio";
            }
        }

        root.TryGetProperty("format", out var format);
        var kind = hasVideo ? MediaKind.Video : hasAudio ? MediaKind.Audio : MediaKind.Other;
        if (kind == MediaKind.Other)
        {
            return Unreadable(hint, head, "ffprobe found no audio or video stream");
        }

        return new MediaInfo(
            kind,
            head.Size,
            head.ContentType,
            format.ValueKind == JsonValueKind.Object ? String(format, "format_name") : null,
            format.ValueKind == JsonValueKind.Object ? Double(String(format, "duration")) : null,
            format.ValueKind == JsonValueKind.Object ? Long(String(format, "bit_rate")) : null,
            width,
            height,
            streams,
            null);
    }

    private static MediaInfo Unreadable(MediaKind kind, ObjectInfo head, string problem) =>
        new(kind, head.Size, head.ContentType, null, null, null, null, null, [], problem);

    private static MediaKind Hint(string key, string? contentType)
    {
        var ext = Path.GetExtension(key).ToLowerInvariant();
        return contentType switch
        {
            _ when contentType?.StartsWith("video/", StringComparison.Ordinal) == true || VideoExtensions.Contains(ext) => MediaKind.Video,
            _ when contentType?.StartsWith("audio/", StringComparison.Ordinal) == true || AudioExtensions.Contains(ext) => MediaKind.Audio,
            _ when contentType?.StartsWith("image/", StringComparison.Ordinal) == true || ImageExtensions.Contains(ext) => MediaKind.Image,
            _ => MediaKind.Other,
        };
    }

    internal static bool LooksLikeImage(ReadOnlySpan<byte> b) =>
        b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ||
        b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) ||
        b.StartsWith("GIF8"u8) ||
        (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8)) ||
        b.StartsWith((ReadOnlySpan<byte>)[(byte)'I', (byte)'I', 42, 0]) ||
        b.StartsWith((ReadOnlySpan<byte>)[(byte)'M', (byte)'M', 0, 42]);

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

    private static double? Double(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Long(string? s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static int? Int(string? s) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>ffprobe's "30000/1001"; "0/0" means unknown.</summary>
    private static double? Rate(string? s)
    {
        var slash = s?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash <= 0 || Double(s![..slash]) is not { } num || Double(s[(slash + 1)..]) is not { } den || den == 0 || num == 0)
        {
            return null;
        }

        return Math.Round(num / den, 3);
    }
}
