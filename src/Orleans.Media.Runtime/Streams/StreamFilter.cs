namespace Orleans.Media.Runtime;

/// <summary>Which events to read: all (no namespace), a namespace, or one stream (namespace and key).</summary>
public sealed record StreamFilter(string? Namespace = null, string? Key = null)
{
    public static StreamFilter All { get; } = new();

    public static StreamFilter For(StreamId stream) => new(stream.Namespace, stream.Key);
}
