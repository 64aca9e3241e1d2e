using System.Diagnostics;

namespace Orleans.Media.Persistence.Tests.Infrastructure;

/// <summary>Waits for a condition instead of sleeping a fixed time: polls until it holds or the (generous, for a
/// loaded machine) timeout passes.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Still waiting after {limit.TotalSeconds:0} s for {what}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }

    public static Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(condition, ok => ok, what, timeout);

    public static Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(() => Task.FromResult(condition()), ok => ok, what, timeout);
}
