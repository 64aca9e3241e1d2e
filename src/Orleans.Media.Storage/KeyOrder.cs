namespace Orleans.Media.Storage;

/// <summary>
/// S3's listing order: keys compare by their UTF-8 bytes, which is code-point order. .NET's ordinal comparison is
/// UTF-16 order, which differs once surrogate pairs (emoji, rare CJK) meet characters U+E000..U+FFFF.
/// </summary>
public sealed class KeyOrder : IComparer<string>
{
    public static readonly KeyOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            if (x[i] != y[i])
            {
                return Weight(x[i]).CompareTo(Weight(y[i]));
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    // Surrogates (U+D800..DFFF, code points above U+FFFF) move above U+E000..U+FFFF; the order is then code-point order.
    private static int Weight(char c) => c switch
    {
        >= '\uD800' and <= '\uDFFF' => c + 0x2000,
        >= '\uE000' => c - 0x800,
        _ => c,
    };
}
