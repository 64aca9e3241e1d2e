namespace Orleans.Media.Grains.AccessKeys;

/// <summary>Case-sensitive glob match where <c>*</c> matches any run (including none); no other metacharacters.</summary>
internal static class Glob
{
    public static bool IsMatch(string pattern, string value)
    {
        // Iterative wildcard match with backtracking to the last star: linear-ish, no regex, no allocation.
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (p < pattern.Length && pattern[p] == value[v])
            {
                p++;
                v++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
