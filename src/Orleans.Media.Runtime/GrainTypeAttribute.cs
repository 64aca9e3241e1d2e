namespace Orleans.Media.Runtime;

/// <summary>Names a grain class: the Type part of its <see cref="GrainId"/> and of its rows in the store.
/// Never rename it once data exists.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
