using Orleans.Media.Storage;

namespace Orleans.Media.Archives;

/// <summary>Where entries go: <paramref name="Prefix"/> (<c>oss://bucket/some/prefix/</c>) in <paramref name="Store"/>.</summary>
public sealed record ExtractionTarget(IObjectStore Store, ObjectUri Prefix)
{
    /// <summary>The key prefix, ending in '/' unless it is the bucket root.</summary>
    public string KeyPrefix => Prefix.Key.Length == 0 || Prefix.Key.EndsWith('/') ? Prefix.Key : Prefix.Key + "/";

    public ObjectUri UriFor(string path) => Prefix.WithKey(KeyPrefix + path);
}
