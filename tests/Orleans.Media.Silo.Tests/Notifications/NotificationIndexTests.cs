using Npgsql;
using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>The admin listing's index copy of a notification follows its grain, and comes back when lost.</summary>
public sealed class NotificationIndexTests
{
    private const string Secret = "whsec-index-0123456789";
    private const string Topic = "imm-index";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_index_row_lost_behind_the_grains_back_is_written_again_when_the_grain_activates()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var cluster = await NotificationCluster.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 3));
        var message = TestMessages.TaskEnded("indexed");
        await cluster.Grain(message.Id).Send(message, Topic);
        var delivered = await cluster.WaitForStatusAsync(message.Id, NotificationStatus.Delivered, Timeout);
        await cluster.WaitForNoReminderAsync(message.Id, Timeout);
        Assert.Equal(("Delivered", "indexed"), await IndexRowAsync(cluster, message.Id));

        // A crash between the state write and the index write, simulated: the row is gone, the grain does not know.
        await ExecuteAsync(cluster, "DELETE FROM grain_index WHERE grain_type = 'notification' AND grain_key = $1", message.Id);
        Assert.Null(await IndexRowAsync(cluster, message.Id));
        await cluster.Cluster.Cluster.DeactivateAsync(cluster.Grain(message.Id).GetGrainId());
        var reactivated = await cluster.Grain(message.Id).Get(); // Any call activates it: the activation repairs the row.

        Assert.Equal(delivered.Revision, reactivated!.Revision);
        Assert.Equal(("Delivered", "indexed"), await IndexRowAsync(cluster, message.Id));
        Assert.Single(receiver.Received); // Repairing the index delivers nothing again.
    }

    private static async Task<(string Status, string Project)?> IndexRowAsync(NotificationCluster cluster, string messageId)
    {
        await using var connection = new NpgsqlConnection(cluster.Cluster.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT state->>'Status', partition_key FROM grain_index WHERE grain_type = 'notification' AND grain_key = $1", connection)
        {
            Parameters = { new() { Value = messageId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private static async Task ExecuteAsync(NotificationCluster cluster, string sql, string key)
    {
        await using var connection = new NpgsqlConnection(cluster.Cluster.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = key } } };
        await command.ExecuteNonQueryAsync();
    }
}
