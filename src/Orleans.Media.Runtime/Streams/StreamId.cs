namespace Orleans.Media.Runtime;

/// <summary>A stream: a namespace (e.g. "task", "project") and a key within it.</summary>
public readonly record struct StreamId(string Namespace, string Key)
{
    public override string ToString() => Namespace + "/" + Key;
}
