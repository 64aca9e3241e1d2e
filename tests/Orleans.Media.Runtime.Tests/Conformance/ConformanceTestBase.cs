using Orleans.Media.Runtime.Tests.Grains;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Conformance;

/// <summary>Base of the conformance suites: each test starts its own cluster on the store of the derived class.</summary>
public abstract class ConformanceTestBase
{
    protected abstract TestStore Store { get; }

    protected Task<TestCluster> StartClusterAsync(int silos = 1, Action<TestClusterOptions>? configure = null)
    {
        var options = new TestClusterOptions { Store = Store, InitialSilos = silos, ConfigureRuntime = TestGrains.Register };
        configure?.Invoke(options);
        return TestCluster.StartAsync(options);
    }

    protected static string NewKey(string prefix = "k") => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Polls until the condition holds or the timeout passes; returns whether it held.</summary>
    protected static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return await condition();
    }
}
