namespace Orleans.Media.Processing.Actions.Image;

/// <summary>The image formats the image actions write, with libvips' save suffix and the content type.</summary>
internal static class ImageFormats
{
    public static readonly string[] Names = ["jpg", "png", "webp", "gif", "tiff"];

    public static string SaveSuffix(string format, int? quality) => format switch
    {
        "jpg" => quality is { } q ? $".jpg[Q={q}]" : ".jpg",
        "webp" => quality is { } q ? $".webp[Q={q}]" : ".webp",
        "png" => ".png",
        "gif" => ".gif",
        "tiff" => ".tif",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static string ContentType(string format) => format switch
    {
        "jpg" => "image/jpeg",
        "tiff" => "image/tiff",
        _ => "image/" + format,
    };

    /// <summary>The format name of what libvips loaded (its loader's name), or null when it is not one we write.</summary>
    public static string? FromLoader(string? loader) => loader switch
    {
        null => null,
        _ when loader.StartsWith("jpeg", StringComparison.Ordinal) => "jpg",
        _ when loader.StartsWith("png", StringComparison.Ordinal) => "png",
        _ when loader.StartsWith("webp", StringComparison.Ordinal) => "webp",
        _ when loader.StartsWith("gif", StringComparison.Ordinal) => "gif",
        _ when loader.StartsWith("tiff", StringComparison.Ordinal) => "tiff",
        _ => null,
    };
}
