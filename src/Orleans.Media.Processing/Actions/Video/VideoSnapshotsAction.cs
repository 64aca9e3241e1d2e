using System.Globalization;

namespace Orleans.Media.Processing.Actions.Video;

/// <summary>
/// <c>video/snapshots</c> with ffmpeg: frames as images. Parameters: either <c>t</c> (times in ms, comma-separated,
/// up to 100) or <c>interval</c> (ms, at least 100) with <c>num</c> (1-1000, default 10); <c>format</c> (alias
/// <c>f</c>; jpg or png, default jpg); <c>w</c>/<c>h</c> (even; one alone keeps the aspect); <c>output</c> (with
/// <c>{index}</c>, 1-based in time order). A time past the end of the video fails that file.
/// </summary>
public sealed class VideoSnapshotsAction(ActionRuntime runtime) : ToolAction(runtime)
{
    public override string Name => "video/snapshots";

    protected override bool MultipleOutputs => true;

    protected override Func<string, string, ToolPlan> Parse(ActionParameters p)
    {
        var format = p.GetChoice("format", ["jpg", "png"], "f") ?? "jpg";
        var times = p.Get("t") is { } list ? ParseTimes(p, list) : null;
        var interval = p.GetLong("interval", 100, 86_400_000);
        var num = p.GetInt("num", 1, 1000);
        var (w, h) = VideoConvertAction.Resolution(p);
        if ((times is null) == (interval is null))
        {
            throw p.Invalid("t", "or interval is required, and not both");
        }

        if (num is not null && interval is null)
        {
            throw p.Invalid("num", "applies only with interval");
        }

        var scale = w is not null || h is not null ? $"scale={w ?? -2}:{h ?? -2}" : null;
        var contentType = format == "jpg" ? "image/jpeg" : "image/png";
        return (input, outDir) =>
        {
            var runs = new List<(string, IReadOnlyList<string>)>();
            if (times is not null)
            {
                for (var i = 0; i < times.Count; i++)
                {
                    List<string> a = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", "-ss", FfmpegCodecs.Seconds(times[i]), .. FfmpegCodecs.Input(input), "-frames:v", "1"];
                    if (scale is not null)
                    {
                        a.AddRange(["-vf", scale]);
                    }

                    a.AddRange(["-update", "1", Path.Combine(outDir, string.Create(CultureInfo.InvariantCulture, $"snap_{i + 1:D5}.{format}"))]);
                    runs.Add((Runtime.Options.FfmpegPath, a));
                }
            }
            else
            {
                var filter = "fps=1000/" + interval!.Value.ToString(CultureInfo.InvariantCulture) + (scale is null ? string.Empty : "," + scale);
                runs.Add((Runtime.Options.FfmpegPath,
                    ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", .. FfmpegCodecs.Input(input), "-vf", filter, "-frames:v", (num ?? 10).ToString(CultureInfo.InvariantCulture),
                        Path.Combine(outDir, "snap_%05d." + format)]));
            }

            return new ToolPlan(runs, format, contentType)
            {
                CheckOutputs = produced =>
                {
                    if (times is null)
                    {
                        return null;
                    }

                    var missing = times.Where((_, i) => !produced.Any(f => Path.GetFileName(f).StartsWith(string.Create(CultureInfo.InvariantCulture, $"snap_{i + 1:D5}."), StringComparison.Ordinal))).ToList();
                    return missing.Count == 0 ? null : $"no frame at {string.Join(", ", missing)} ms (past the end of the video?)";
                },
            };
        };
    }

    private static List<long> ParseTimes(ActionParameters p, string list)
    {
        var times = new List<long>();
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 86_400_000L * 7)
            {
                throw p.Invalid("t", $"must be times in milliseconds separated by commas (got '{item}')");
            }

            times.Add(ms);
        }

        if (times.Count is 0 or > 100)
        {
            throw p.Invalid("t", "must list 1 to 100 times");
        }

        return times;
    }
}
