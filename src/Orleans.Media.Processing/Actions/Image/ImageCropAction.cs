namespace Orleans.Media.Processing.Actions.Image;

/// <summary>
/// <c>image/crop</c>: the rectangle <c>x</c>, <c>y</c> (default 0) by <c>w</c> x <c>h</c> (required, 1-16384), clipped to
/// the image; an origin outside the image fails that file. Also <c>format</c>, <c>quality</c>, <c>output</c>.
/// </summary>
public sealed class ImageCropAction(MediaFiles files) : ImageAction(files)
{
    public override string Name => "image/crop";

    protected override Func<ImageHeader, Stream, NetVips.Image> Parse(ActionParameters parameters)
    {
        var w = parameters.GetInt("w", 1, 16384) ?? throw parameters.Invalid("w", "is required");
        var h = parameters.GetInt("h", 1, 16384) ?? throw parameters.Invalid("h", "is required");
        var x = parameters.GetInt("x", 0, 1_000_000) ?? 0;
        var y = parameters.GetInt("y", 0, 1_000_000) ?? 0;
        return (header, stream) =>
        {
            if (x >= header.Width || y >= header.Height)
            {
                throw new NetVips.VipsException($"the crop origin {x},{y} is outside the {header.Width}x{header.Height} image");
            }

            using var image = NetVips.Image.NewFromStream(stream, failOn: NetVips.Enums.FailOn.Error);
            return image.Crop(x, y, Math.Min(w, header.Width - x), Math.Min(h, header.Height - y));
        };
    }
}
