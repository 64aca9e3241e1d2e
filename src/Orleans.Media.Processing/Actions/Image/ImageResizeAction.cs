using NetVips;

namespace Orleans.Media.Processing.Actions.Image;

/// <summary>
/// <c>image/resize</c>, with OSS's parameters: <c>m</c> (lfit: fit inside w x h, default; mfit: cover w x h; fill:
/// cover then crop the centre to w x h; pad: fit then pad to w x h with <c>color</c>; fixed: exactly w x h),
/// <c>w</c>, <c>h</c> (1-16384), <c>l</c>/<c>s</c> (the long/short side), <c>p</c> (percent, 1-1000, alone),
/// <c>limit</c> (1, default: never enlarge; 0: may enlarge), <c>color</c> (pad colour, hex RRGGBB),
/// <c>format</c>, <c>quality</c>, <c>output</c>. libvips' thumbnail shrinks while decoding (JPEG, WebP), so a large
/// image is never decoded whole.
/// </summary>
public sealed class ImageResizeAction(MediaFiles files) : ImageAction(files)
{
    private const int MaxSide = 16384;
    private static readonly string[] Modes = ["lfit", "mfit", "fill", "pad", "fixed"];

    public override string Name => "image/resize";

    protected override Func<ImageHeader, Stream, NetVips.Image> Parse(ActionParameters parameters)
    {
        var mode = parameters.GetChoice("m", Modes) ?? "lfit";
        var w = parameters.GetInt("w", 1, MaxSide);
        var h = parameters.GetInt("h", 1, MaxSide);
        var l = parameters.GetInt("l", 1, MaxSide);
        var s = parameters.GetInt("s", 1, MaxSide);
        var percent = parameters.GetInt("p", 1, 1000);
        var limit = (parameters.GetInt("limit", 0, 1) ?? 1) == 1;
        var color = parameters.Get("color") is { } c ? ParseColor(parameters, c) : null;
        if (color is not null && mode != "pad")
        {
            throw parameters.Invalid("color", $"applies to m=pad only (not m={mode})");
        }

        color ??= [255, 255, 255];
        if (percent is not null && (w ?? h ?? l ?? s) is not null)
        {
            throw parameters.Invalid("p", "cannot be combined with w, h, l or s");
        }

        if (percent is null && (w ?? h ?? l ?? s) is null)
        {
            throw parameters.Invalid("w", "or h, l, s or p is required");
        }

        if (mode is "fill" or "pad" or "fixed" && (w is null || h is null))
        {
            throw parameters.Invalid(w is null ? "w" : "h", $"is required with m={mode}");
        }

        return (header, stream) => WithinLimit(Resize(header, stream));

        NetVips.Image Resize(ImageHeader header, Stream stream)
        {
            var (boxW, boxH) = Box(header, w, h, l, s, percent);
            var size = limit ? Enums.Size.Down : Enums.Size.Both;
            switch (mode)
            {
                case "fixed":
                    return NetVips.Image.ThumbnailStream(stream, w!.Value, height: h!.Value, size: Enums.Size.Force);
                case "fill":
                    return NetVips.Image.ThumbnailStream(stream, w!.Value, height: h!.Value, size: size, crop: Enums.Interesting.Centre);
                case "mfit":
                {
                    // Cover the box: scale by the larger ratio, i.e. fit a box stretched to the image's aspect.
                    var scale = Math.Max((double)boxW / header.Width, (double)boxH / header.Height);
                    return NetVips.Image.ThumbnailStream(stream, Side(header.Width * scale), height: Side(header.Height * scale), size: size);
                }

                case "pad":
                {
                    using var fitted = NetVips.Image.ThumbnailStream(stream, boxW, height: boxH, size: size);
                    using var opaque = fitted.HasAlpha() ? fitted.Flatten(background: color) : fitted.Copy();
                    return opaque.Gravity(Enums.CompassDirection.Centre, Math.Max(boxW, opaque.Width), Math.Max(boxH, opaque.Height), extend: Enums.Extend.Background, background: color);
                }

                default:
                    return NetVips.Image.ThumbnailStream(stream, boxW, height: boxH, size: size);
            }
        }
    }

    /// <summary>
    /// The result (not yet computed: libvips knows its size first) within <see cref="MaxSide"/> on each side. One
    /// given side leaves the other to the aspect, and <c>p</c> or <c>mfit</c> with <c>limit=0</c> scale up, so a thin or
    /// large source would give an image of billions of pixels: hours of work and a huge object.
    /// </summary>
    private static NetVips.Image WithinLimit(NetVips.Image result)
    {
        if (result.Width > MaxSide || result.Height > MaxSide)
        {
            var (width, height) = (result.Width, result.Height);
            result.Dispose();
            throw new InvalidDataException($"the result would be {width}x{height}, more than {MaxSide} pixels on a side");
        }

        return result;
    }

    /// <summary>The box to fit into, in pixels; an open side is unbounded.</summary>
    private static (int W, int H) Box(ImageHeader header, int? w, int? h, int? l, int? s, int? percent)
    {
        if (percent is { } p)
        {
            return (Side(header.Width * p / 100.0), Side(header.Height * p / 100.0));
        }

        var landscape = header.Width >= header.Height;
        if (l is { } longSide)
        {
            if (landscape)
            {
                w ??= longSide;
            }
            else
            {
                h ??= longSide;
            }
        }

        if (s is { } shortSide)
        {
            if (landscape)
            {
                h ??= shortSide;
            }
            else
            {
                w ??= shortSide;
            }
        }

        return (w ?? 10_000_000, h ?? 10_000_000);
    }

    private static int Side(double value) => Math.Max(1, (int)Math.Round(value));

    private static double[] ParseColor(ActionParameters parameters, string hex)
    {
        if (hex.Length != 6 || !hex.All(char.IsAsciiHexDigit))
        {
            throw parameters.Invalid("color", $"must be a hex RRGGBB colour (got '{hex}')");
        }

        var rgb = Convert.FromHexString(hex);
        return [rgb[0], rgb[1], rgb[2]];
    }
}
