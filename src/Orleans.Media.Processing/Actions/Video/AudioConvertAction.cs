using System.Globalization;

namespace Orleans.Media.Processing.Actions.Video;

/// <summary>
/// <c>audio/convert</c> with ffmpeg: the first audio stream, re-encoded. Parameters: <c>format</c> (alias <c>f</c>;
/// mp3, aac, m4a, wav, flac, ogg, opus; required), <c>ab</c> (bit/s), <c>ar</c> (sample rate), <c>ac</c> (channels 1-8),
/// <c>ss</c>/<c>t</c> (start and duration in ms), <c>output</c>.
/// </summary>
public sealed class AudioConvertAction(ActionRuntime runtime) : ToolAction(runtime)
{
    private static readonly Dictionary<string, (string Codec, string Muxer, string ContentType)> Formats = new(StringComparer.Ordinal)
    {
        ["mp3"] = ("libmp3lame", "mp3", "audio/mpeg"),
        ["aac"] = ("aac", "adts", "audio/aac"),
        ["m4a"] = ("aac", "ipod", "audio/mp4"),
        ["wav"] = ("pcm_s16le", "wav", "audio/wav"),
        ["flac"] = ("flac", "flac", "audio/flac"),
        ["ogg"] = ("libvorbis", "ogg", "audio/ogg"),
        ["opus"] = ("libopus", "opus", "audio/ogg"),
    };

    public override string Name => "audio/convert";

    protected override Func<string, string, ToolPlan> Parse(ActionParameters p)
    {
        var format = p.GetChoice("format", Formats.Keys.ToArray(), "f") ?? throw p.Invalid("format", "is required");
        var (codec, muxer, contentType) = Formats[format];
        var ab = p.GetLong("ab", 8_000, 1_000_000);
        var ar = p.GetInt("ar", 8000, 96000);
        var ac = p.GetInt("ac", 1, 8);
        var ss = p.GetLong("ss", 0, long.MaxValue / 2);
        var t = p.GetLong("t", 1, long.MaxValue / 2);
        FfmpegCodecs.CheckAudio(p, format switch { "ogg" => "vorbis", "m4a" => "aac", _ => format }, ar, ac);

        if (ab is not null && format is "wav" or "flac")
        {
            throw p.Invalid("ab", $"does not apply to the lossless format={format}");
        }

        return (input, outDir) =>
        {
            var a = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y" };
            if (ss is { } start)
            {
                a.AddRange(["-ss", FfmpegCodecs.Seconds(start)]);
            }

            a.AddRange(FfmpegCodecs.Input(input));
            if (t is { } duration)
            {
                a.AddRange(["-t", FfmpegCodecs.Seconds(duration)]);
            }

            a.AddRange(["-vn", "-map", "0:a:0", "-c:a", codec]);
            if (ab is { } bits)
            {
                a.AddRange(["-b:a", bits.ToString(CultureInfo.InvariantCulture)]);
            }

            if (ar is { } sampleRate)
            {
                a.AddRange(["-ar", sampleRate.ToString(CultureInfo.InvariantCulture)]);
            }

            if (ac is { } channels)
            {
                a.AddRange(["-ac", channels.ToString(CultureInfo.InvariantCulture)]);
            }

            a.AddRange(["-f", muxer, Path.Combine(outDir, "out." + format)]);
            return new ToolPlan([(Runtime.Options.FfmpegPath, a)], format, contentType);
        };
    }
}
