using System.Globalization;

namespace Orleans.Media.Processing.Actions.Video;

/// <summary>
/// <c>video/convert</c> with ffmpeg. Parameters: <c>format</c> (alias <c>f</c>; mp4, mov, mkv, webm, ts, flv; required),
/// <c>vcodec</c> (h264, h265, vp9, mpeg4, copy; default per container), <c>acodec</c> (aac, mp3, opus, vorbis, flac,
/// copy, none), <c>vb</c>/<c>ab</c> (bit rates in bit/s), <c>fps</c> (1-120), <c>s</c> (WxH) or <c>w</c>/<c>h</c>
/// (even, 16-7680; one side alone keeps the aspect), <c>crf</c> (0-51, h264/h265), <c>preset</c> (x264/x265 presets),
/// <c>ar</c> (sample rate), <c>ac</c> (channels 1-8), <c>ss</c>/<c>t</c> (start and duration in ms), <c>output</c>.
/// </summary>
public sealed class VideoConvertAction(ActionRuntime runtime) : ToolAction(runtime)
{
    private static readonly string[] Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    public override string Name => "video/convert";

    protected override Func<string, string, ToolPlan> Parse(ActionParameters parameters)
    {
        var arguments = ParseArguments(parameters, out var container);
        return (input, outDir) =>
        {
            var output = Path.Combine(outDir, "out." + container.Extension);
            return new ToolPlan([(Runtime.Options.FfmpegPath, arguments(input, output))], container.Extension, container.ContentType);
        };
    }

    /// <summary>The ffmpeg arguments this action runs for <paramref name="parameters"/> (the benchmark runs ffmpeg directly with them).</summary>
    public static IReadOnlyList<string> FfmpegArguments(IReadOnlyList<string> parameters, string input, string output)
    {
        var p = ActionParameters.Parse("video/convert", parameters);
        var arguments = ParseArguments(p, out _);
        OutputPattern.From(p, multipleOutputs: false);
        p.EnsureAllUsed();
        return arguments(input, output);
    }

    internal static Func<string, string, IReadOnlyList<string>> ParseArguments(ActionParameters p, out FfmpegCodecs.Container container)
    {
        var format = p.GetChoice("format", FfmpegCodecs.Containers.Keys.ToArray(), "f") ?? throw p.Invalid("format", "is required");
        var c = FfmpegCodecs.Containers[format];
        container = c;
        var vcodec = p.GetChoice("vcodec", FfmpegCodecs.AllVideo) ?? c.DefaultVideo;
        var acodec = p.GetChoice("acodec", FfmpegCodecs.AllAudio) ?? c.DefaultAudio;
        if (!c.Video.Contains(vcodec))
        {
            throw p.Invalid("vcodec", $"{vcodec} cannot go in format={format} (allowed: {string.Join(", ", c.Video)})");
        }

        if (!c.Audio.Contains(acodec))
        {
            throw p.Invalid("acodec", $"{acodec} cannot go in format={format} (allowed: {string.Join(", ", c.Audio)})");
        }

        var vb = p.GetLong("vb", 10_000, 500_000_000);
        var ab = p.GetLong("ab", 8_000, 1_000_000);
        var fps = p.GetDouble("fps", 1, 120);
        var crf = p.GetInt("crf", 0, 51);
        var preset = p.GetChoice("preset", Presets);
        var ar = p.GetInt("ar", 8000, 96000);
        var ac = p.GetInt("ac", 1, 8);
        var ss = p.GetLong("ss", 0, long.MaxValue / 2);
        var t = p.GetLong("t", 1, long.MaxValue / 2);
        var (w, h) = Resolution(p);
        FfmpegCodecs.CheckAudio(p, acodec, ar, ac);
        if (c.Muxer == "flv" && acodec == "mp3" && ar is 8000 or 12000 or 16000 or 24000 or 32000)
        {
            // The FLV muxer's mp3 audio tag has no code for these rates.
            throw p.Invalid("ar", $"must be 11025, 22050, 44100 or 48000 for mp3 in format={format}");
        }

        var encodes = vcodec != "copy";
        if (!encodes && (vb ?? fps ?? crf ?? (object?)preset ?? w ?? h) is not null)
        {
            throw p.Invalid("vcodec", "copy cannot change the bit rate, frame rate, resolution, crf or preset");
        }

        if ((crf is not null || preset is not null) && vcodec is not ("h264" or "h265"))
        {
            throw p.Invalid(crf is not null ? "crf" : "preset", "applies to vcodec h264 and h265 only");
        }

        if ((ab ?? ar ?? ac) is not null && acodec is "copy" or "none")
        {
            throw p.Invalid("acodec", $"{acodec} cannot change the audio bit rate, sample rate or channels");
        }

        return (input, output) =>
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

            a.AddRange(["-map", "0:v:0?"]);
            a.AddRange(["-c:v", FfmpegCodecs.VideoEncoder(vcodec)]);
            if (encodes)
            {
                if (vb is { } bits)
                {
                    a.AddRange(["-b:v", bits.ToString(CultureInfo.InvariantCulture)]);
                }

                if (crf is { } quality)
                {
                    a.AddRange(["-crf", quality.ToString(CultureInfo.InvariantCulture)]);
                }

                if (preset is not null)
                {
                    a.AddRange(["-preset", preset]);
                }

                if (fps is { } rate)
                {
                    a.AddRange(["-r", rate.ToString(CultureInfo.InvariantCulture)]);
                }

                if (w is not null || h is not null)
                {
                    a.AddRange(["-vf", $"scale={w ?? -2}:{h ?? -2}"]);
                }

                // Players expect 4:2:0; ffmpeg would keep 4:4:4 from RGB sources otherwise.
                a.AddRange(["-pix_fmt", "yuv420p"]);
            }

            if (acodec == "none")
            {
                a.Add("-an");
            }
            else
            {
                a.AddRange(["-map", "0:a:0?", "-c:a", FfmpegCodecs.AudioEncoder(acodec)]);
                if (ab is { } abits)
                {
                    a.AddRange(["-b:a", abits.ToString(CultureInfo.InvariantCulture)]);
                }

                if (ar is { } sampleRate)
                {
                    a.AddRange(["-ar", sampleRate.ToString(CultureInfo.InvariantCulture)]);
                }

                if (ac is { } channels)
                {
                    a.AddRange(["-ac", channels.ToString(CultureInfo.InvariantCulture)]);
                }
            }

            if (c.Muxer is "mp4" or "mov")
            {
                a.AddRange(["-movflags", "+faststart"]);
            }

            a.AddRange(["-f", c.Muxer, output]);
            return a;
        };
    }

    /// <summary><c>s=WxH</c>, or <c>w</c>/<c>h</c>; even sides (4:2:0 needs them).</summary>
    internal static (int? W, int? H) Resolution(ActionParameters p)
    {
        int? w = p.GetInt("w", 16, 7680);
        int? h = p.GetInt("h", 16, 7680);
        if (p.Get("s") is { } s)
        {
            if (w is not null || h is not null)
            {
                throw p.Invalid("s", "cannot be combined with w or h");
            }

            var parts = s.Split('x');
            if (parts.Length != 2 ||
                !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sw) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sh) ||
                sw is < 16 or > 7680 || sh is < 16 or > 7680)
            {
                throw p.Invalid("s", $"must be WxH with sides from 16 to 7680 (got '{s}')");
            }

            (w, h) = (sw, sh);
        }

        if (w % 2 == 1 || h % 2 == 1)
        {
            throw p.Invalid(w % 2 == 1 ? "w" : "h", "must be even");
        }

        return (w, h);
    }
}
