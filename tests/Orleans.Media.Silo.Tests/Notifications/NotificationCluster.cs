using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Runtime;
using Orleans.Media.Silo.Notifications;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>A one-silo test cluster on a fresh PostgreSQL database (or SQLite file) with notifications configured from
/// <c>OrleansMedia:Notifications:Topics:*</c> settings (fast job retries: 100 ms base, doubling).</summary>
public sealed class NotificationCluster : IAsyncDisposable
{
    private readonly TestCluster _cluster;

    private NotificationCluster(TestCluster cluster) => _cluster = cluster;

    public TestSilo Silo => _cluster[0];

    public TestCluster Cluster => _cluster;

    public static async Task<NotificationCluster> StartAsync(
        IReadOnlyDictionary<string, string?> settings, Action<GrainRuntimeBuilder>? runtime = null, TestStore store = TestStore.Postgres)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            Store = store,
            ConfigureRuntime = r =>
            {
                r.AddGrain<INotificationGrain, NotificationGrain>();
                runtime?.Invoke(r);
            },
            ConfigureServices = (_, services) => services.AddNotifications(configuration),
        });
        return new NotificationCluster(cluster);
    }

    public static Dictionary<string, string?> WebhookTopic(string topic, Uri url, string secret, int maxAttempts, int timeoutSeconds = 5) => new()
    {
        [$"OrleansMedia:Notifications:Topics:{topic}:Kind"] = "Webhook",
        [$"OrleansMedia:Notifications:Topics:{topic}:Url"] = url.ToString(),
        [$"OrleansMedia:Notifications:Topics:{topic}:Secret"] = secret,
        [$"OrleansMedia:Notifications:Topics:{topic}:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"OrleansMedia:Notifications:Topics:{topic}:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public INotificationGrain Grain(string messageId, int silo = 0) => _cluster[silo].GetGrain<INotificationGrain>(messageId);

    /// <summary>Polls the grain until its summary status is <paramref name="status"/>.</summary>
    public Task<NotificationState> WaitForStatusAsync(string messageId, NotificationStatus status, TimeSpan timeout, int silo = 0) =>
        WaitForAsync(messageId, s => s.Status == status, $"status {status}", timeout, silo);

    /// <summary>Polls the grain until its state satisfies <paramref name="condition"/>.</summary>
    public async Task<NotificationState> WaitForAsync(
        string messageId, Func<NotificationState, bool> condition, string what, TimeSpan timeout, int silo = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var state = await Grain(messageId, silo).Get();
            if (state is not null && condition(state))
            {
                return state;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Notification {messageId} did not reach {what} within {timeout} (status {state?.Status.ToString() ?? "unknown"}).");
            }
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
