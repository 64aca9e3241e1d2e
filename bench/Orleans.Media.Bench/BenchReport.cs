using System.Globalization;

namespace Orleans.Media.Bench;

/// <summary>Prints figures as <c>BENCH &lt;scenario&gt; &lt;metric&gt; &lt;value&gt; &lt;unit&gt;</c>, one per line.</summary>
public sealed class BenchReport(string scenario)
{
    public void Metric(string metric, double value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {scenario} {metric} {value:0.###} {unit}"));

    /// <summary>Free text for humans; never starts with BENCH.</summary>
    public static void Note(string text) => Console.Error.WriteLine("# " + text);

    /// <summary>p-th percentile (0–100) of the samples, in the samples' unit.</summary>
    /// <summary>The middle value (the mean of the two middle ones for an even count): a round-by-round figure that one
    /// disturbed round cannot move.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IReadOnlyList<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return 0;
        }

        var sorted = samples.Order().ToArray();
        var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
