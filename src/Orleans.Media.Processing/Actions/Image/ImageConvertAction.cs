namespace Orleans.Media.Processing.Actions.Image;

/// <summary>
/// <c>image/convert</c>: re-encodes an image. Parameters: <c>format</c> (alias <c>f</c>; jpg, png, webp, gif, tiff;
/// required), <c>quality</c> (alias <c>q</c>; 1-100, jpg and webp), <c>output</c>.
/// </summary>
public sealed class ImageConvertAction(MediaFiles files) : ImageAction(files)
{
    public override string Name => "image/convert";

    protected override Func<ImageHeader, Stream, NetVips.Image> Parse(ActionParameters parameters)
    {
        if (parameters.Get("format", "f") is null)
        {
            // Read by the base already when present; here only its absence matters.
            throw parameters.Invalid("format", "is required");
        }

        return (_, stream) => NetVips.Image.NewFromStream(stream, access: NetVips.Enums.Access.Sequential, failOn: NetVips.Enums.FailOn.Error);
    }
}
