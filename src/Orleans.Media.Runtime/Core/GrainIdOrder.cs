namespace Orleans.Media.Runtime.Core;

/// <summary>Ordinal (type, key) order: the one order in which a turn over several grains takes their local gates.</summary>
internal sealed class GrainIdOrder : IComparer<GrainId>
{
    public static readonly GrainIdOrder Instance = new();

    public int Compare(GrainId x, GrainId y)
    {
        var byType = string.CompareOrdinal(x.Type, y.Type);
        return byType != 0 ? byType : string.CompareOrdinal(x.Key, y.Key);
    }
}
