namespace Orleans.Media.Bench;

/// <summary>One benchmark scenario, run by <c>deploy/bench.sh &lt;Name&gt;</c>. One class per file.</summary>
public interface IBenchScenario
{
    /// <summary>The scenario name on the command line (e.g. <c>runtime</c>).</summary>
    string Name { get; }

    /// <summary>Runs and reports through <paramref name="report"/>; <paramref name="workDir"/> is scratch space.</summary>
    Task RunAsync(BenchReport report, string workDir, string[] args, CancellationToken cancellationToken);
}
