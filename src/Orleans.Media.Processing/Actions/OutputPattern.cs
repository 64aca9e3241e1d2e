using System.Globalization;
using System.Text.RegularExpressions;
using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Actions;

/// <summary>
/// Where an action writes: the <c>output</c> parameter, an <c>oss://bucket/key</c> pattern with the vendor's variables
/// <c>{bucket}</c>, <c>{dirname}</c> (the source's folder, no trailing slash), <c>{barename}</c> (its file name without
/// extension), <c>{autoext}</c> (the output format's extension) and <c>{index}</c> (1-based, for actions with several
/// outputs, where it is required). Default: <c>oss://{bucket}/{dirname}/{barename}_output.{autoext}</c>
/// (<c>_output_{index}</c> with several outputs).
/// </summary>
public sealed partial record OutputPattern(string Pattern)
{
    public const string Key = "output";

    private static readonly string[] Variables = ["bucket", "dirname", "barename", "autoext", "index"];

    /// <summary>The pattern of the <c>output</c> parameter (or the default), checked.</summary>
    public static OutputPattern From(ActionParameters parameters, bool multipleOutputs)
    {
        var text = parameters.Get(Key)
                   ?? (multipleOutputs ? "oss://{bucket}/{dirname}/{barename}_output_{index}.{autoext}" : "oss://{bucket}/{dirname}/{barename}_output.{autoext}");
        foreach (Match m in VariablePattern().Matches(text))
        {
            if (!Variables.Contains(m.Groups[1].Value))
            {
                throw parameters.Invalid(Key, $"uses the unknown variable {{{m.Groups[1].Value}}} (known: {string.Join(", ", Variables.Select(v => "{" + v + "}"))})");
            }
        }

        if (multipleOutputs && !text.Contains("{index}", StringComparison.Ordinal))
        {
            throw parameters.Invalid(Key, "must contain {index}: this action can write several objects");
        }

        var probe = text.Replace("{bucket}", "b", StringComparison.Ordinal);
        if (!ObjectUri.TryParse(probe, out var uri, out var error) || uri.Key.Length == 0)
        {
            throw parameters.Invalid(Key, $"must be an oss://bucket/key pattern ({error ?? "no key"})");
        }

        if (DotSegment(uri.Key) is { } dots)
        {
            throw parameters.Invalid(Key, $"has a '{dots}' path segment; name the folder itself");
        }

        return new OutputPattern(text);
    }

    public ObjectUri Resolve(ObjectUri source, string autoext, int index)
    {
        var slash = source.Key.LastIndexOf('/');
        var dirname = slash < 0 ? string.Empty : source.Key[..slash];
        var fileName = slash < 0 ? source.Key : source.Key[(slash + 1)..];
        var dot = fileName.LastIndexOf('.');
        var barename = dot <= 0 ? fileName : fileName[..dot];
        var text = Pattern
            .Replace("{bucket}", source.Bucket, StringComparison.Ordinal)
            .Replace("{dirname}", dirname, StringComparison.Ordinal)
            .Replace("{barename}", barename, StringComparison.Ordinal)
            .Replace("{autoext}", autoext, StringComparison.Ordinal)
            .Replace("{index}", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var uri = ObjectUri.Parse(text);

        // An empty {dirname} (a source at the bucket root) leaves a leading or doubled slash.
        var key = DoubleSlash().Replace(uri.Key, "/").TrimStart('/');

        // A source's name may hold dot segments (S3 keys are any string): resolved by the SDK or the server, they
        // would put the output outside the folder the pattern names, over another object.
        if (DotSegment(key) is { } dots)
        {
            throw new InvalidObjectKeyException(key, $"it has a '{dots}' path segment (from the source's name), which would put the output outside its folder");
        }

        return uri.WithKey(key);
    }

    private static string? DotSegment(string key) => key.Split('/').FirstOrDefault(s => s is "." or "..");

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex("/{2,}")]
    private static partial Regex DoubleSlash();
}
