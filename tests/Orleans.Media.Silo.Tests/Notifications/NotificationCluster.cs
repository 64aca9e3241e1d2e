using Microsoft.Extensions.Hosting;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Silo.Tests.Protocols;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>An in-process Orleans cluster (one silo to start) on a fresh PostgreSQL database (or SQLite file) with
/// notifications configured from <c>OrleansMedia:Notifications:Topics:*</c> settings and fast retries
/// (<c>OrleansMedia:Work:RetryBaseDelay</c> 100 ms, doubling, at most 1 s).</summary>
public sealed class NotificationCluster : IAsyncDisposable
{
    private readonly MediaTestCluster _cluster;

    private NotificationCluster(MediaTestCluster cluster) => _cluster = cluster;

    public MediaTestSilo Silo => _cluster[0];

    public MediaTestCluster Cluster => _cluster;

    public static async Task<NotificationCluster> StartAsync(
        IReadOnlyDictionary<string, string?> settings, TestStore store = TestStore.Postgres, Action<int, IHostApplicationBuilder>? configureHost = null) =>
        new(await MediaTestCluster.StartAsync(MediaSilos.Options(settings, store, configureHost: configureHost)));

    public static Dictionary<string, string?> WebhookTopic(string topic, Uri url, string secret, int maxAttempts, int timeoutSeconds = 5) => new()
    {
        [$"OrleansMedia:Notifications:Topics:{topic}:Kind"] = "Webhook",
        [$"OrleansMedia:Notifications:Topics:{topic}:Url"] = url.ToString(),
        [$"OrleansMedia:Notifications:Topics:{topic}:Secret"] = secret,
        [$"OrleansMedia:Notifications:Topics:{topic}:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"OrleansMedia:Notifications:Topics:{topic}:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The notification grain, called through the given silo (default: the cluster's client).</summary>
    public INotificationGrain Grain(string messageId, int? silo = null) =>
        silo is { } index ? _cluster[index].GetGrain<INotificationGrain>(messageId) : _cluster.Client.GetGrain<INotificationGrain>(messageId);

    /// <summary>Polls the grain until its summary status is <paramref name="status"/>.</summary>
    public Task<NotificationState> WaitForStatusAsync(string messageId, NotificationStatus status, TimeSpan timeout, int? silo = null) =>
        WaitForAsync(messageId, s => s.Status == status, $"status {status}", timeout, silo);

    /// <summary>Polls the grain until its state satisfies <paramref name="condition"/>.</summary>
    public async Task<NotificationState> WaitForAsync(
        string messageId, Func<NotificationState, bool> condition, string what, TimeSpan timeout, int? silo = null)
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

    /// <summary>The reminders Orleans holds for this message's grain (PostgreSQL clusters): one while a delivery is pending.</summary>
    public async Task<long> RemindersAsync(string messageId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_cluster.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM orleans_reminders WHERE grain_id = $1", connection)
        {
            Parameters = { new() { Value = Grain(messageId).GetGrainId().ToString() } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the message's grain holds no reminder (its deliveries are all finished).</summary>
    public async Task WaitForNoReminderAsync(string messageId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await RemindersAsync(messageId) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Notification {messageId} still holds a reminder after {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
