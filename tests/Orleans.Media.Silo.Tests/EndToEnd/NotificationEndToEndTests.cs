using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Silo.Notifications;
using Orleans.Media.Testing;
using RabbitMQ.Client;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Task notifications on a real silo process (PostgreSQL, s3rver, RabbitMQ, a webhook receiver): a topic the cluster
/// does not know is refused by CreateFileUncompressionTask before anything is stored; a real task naming
/// <c>Notification.RocketMQ.TopicName</c> (and <c>MNS.TopicName</c>) ends with the IMM envelope on the AMQP exchange
/// (and the webhook), its content agreeing with GetTask; a topic removed from the configuration before its task ends
/// leaves the message dead-lettered, to replay once the topic is back.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class NotificationEndToEndTests(NotifyingSiloFixture silo) : IClassFixture<NotifyingSiloFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ArchiveFactory _archives = new();

    public static TheoryData<string> RefusedNotifications =>
        ["mns-unknown", "rocketmq-unknown", "rocketmq-other-case", "mns-known-rocketmq-unknown", "mns-without-topic", "rocketmq-without-topic"];

    /// <summary>The Notification parameter of each refused case, and what the refusal's message must name.</summary>
    private static (object Notification, string Named) Refused(string name) => name switch
    {
        "mns-unknown" => (new { MNS = new { TopicName = "no-such-topic" } }, "'no-such-topic'"),
        "rocketmq-unknown" => (new { RocketMQ = new { TopicName = "no-such-rmq", InstanceId = "rmq-cn-e2e" } }, "'no-such-rmq'"),

        // Topic names are case-sensitive, as the vendor's are: a near miss is not the configured topic.
        "rocketmq-other-case" => (new { RocketMQ = new { TopicName = NotifyingSiloFixture.AmqpTopic.ToUpperInvariant() } }, $"'{NotifyingSiloFixture.AmqpTopic.ToUpperInvariant()}'"),

        // One good topic does not carry a bad one: the whole request is refused.
        "mns-known-rocketmq-unknown" => (new { MNS = new { TopicName = NotifyingSiloFixture.WebhookTopic }, RocketMQ = new { TopicName = "no-such-rmq" } }, "'no-such-rmq'"),

        // A channel without its topic would accept a task that is never announced.
        "mns-without-topic" => (new { MNS = new { } }, "Notification.MNS.TopicName"),
        "rocketmq-without-topic" => (new { RocketMQ = new { InstanceId = "rmq-cn-e2e" } }, "Notification.RocketMQ.TopicName"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(RefusedNotifications))]
    public async Task An_unknown_topic_is_refused_at_creation_and_nothing_is_stored(string name)
    {
        var (project, source) = await ProjectWithArchiveAsync("refuse");
        var (notification, named) = Refused(name);
        var target = silo.Bucket.Uri($"{project}/out/");

        var refused = await silo.Client.CreateTaskAsync(project, source, target, notification: notification);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("InvalidArgument", refused.Code);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(refused.String("RequestId")));
        Assert.False(refused.Body.TryGetProperty("TaskId", out _), $"a refused create names no task: {refused.Body}");
        var listed = (await silo.Client.ListTasksAsync(project)).EnsureOk("ListTasks");
        Assert.Empty(listed.Body.GetProperty("Tasks").EnumerateArray());
        Assert.Equal((0, 0), await StoredAsync(project));
        Assert.Empty(await silo.Bucket.KeysAsync($"{project}/out/"));
        Assert.Empty(await NotificationsOfAsync(project));

        // The same request naming a configured topic is accepted, and is seen by the same checks: they look in the
        // right places.
        await silo.BindQueueAsync();
        var control = await silo.Client.StartTaskAsync(project, source, target, notification: new { RocketMQ = new { TopicName = NotifyingSiloFixture.AmqpTopic } });
        Assert.Equal((1, 1), await StoredAsync(project));
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, control));
        Assert.NotEmpty(await silo.Bucket.KeysAsync($"{project}/out/"));
        var messageId = ImmNotifications.MessageId(control, ImmNotifications.TaskEndedEvent);
        await DeliveredAsync(messageId);
        Assert.Equal(messageId, Assert.Single(await NotificationsOfAsync(project)).GetProperty("MessageId").GetString());
    }

    [Fact]
    public async Task A_real_task_naming_a_RocketMQ_topic_publishes_the_IMM_envelope_to_the_AMQP_exchange()
    {
        var (project, source) = await ProjectWithArchiveAsync("amqp");
        var queue = await silo.BindQueueAsync();
        var notification = new { RocketMQ = new { TopicName = NotifyingSiloFixture.AmqpTopic, InstanceId = "rmq-cn-e2e" } };

        var created = (await silo.Client.CreateTaskAsync(project, source, silo.Bucket.Uri($"{project}/out/"), notification: notification, userData: "{\"job\":\"α-42\"}"))
            .EnsureOk("CreateFileUncompressionTask");
        var taskId = created.String("TaskId");
        var task = await silo.Client.WaitForTaskAsync(project, taskId);
        TaskAssert.Succeeded(task);
        var received = await silo.ReceiveAsync(queue, Timeout);

        var message = AssertEnvelope(received.Body.ToArray(), project, taskId, task);
        Assert.Equal(created.String("RequestId"), Content(message).GetProperty("RequestId").GetString());
        Assert.Equal("{\"job\":\"α-42\"}", Content(message).GetProperty("UserData").GetString());
        Assert.Equal(message.Id, received.BasicProperties.MessageId);
        Assert.Equal("application/json", received.BasicProperties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, received.BasicProperties.DeliveryMode);
        Assert.Equal(silo.Exchange, received.Exchange);
        Assert.Equal(NotifyingSiloFixture.RoutingKey, received.RoutingKey);

        // The cluster's own record: delivered to that topic only, on the first attempt; the webhook topic got nothing.
        var view = await DeliveredAsync(message.Id);
        var delivery = Assert.Single(view.GetProperty("Deliveries").EnumerateArray());
        Assert.Equal(NotifyingSiloFixture.AmqpTopic, delivery.GetProperty("Topic").GetString());
        Assert.Equal(1, delivery.GetProperty("Attempts").GetInt32());
        Assert.DoesNotContain(silo.Receiver.Received, r => r.MessageId == message.Id);
        Assert.Null(await silo.Channel.BasicGetAsync(queue, autoAck: true)); // Exactly one copy.
    }

    [Fact]
    public async Task A_failed_task_naming_both_topics_sends_the_same_message_to_the_webhook_and_the_exchange()
    {
        // A ZipCrypto archive opened with the wrong password: the task runs and fails with a code.
        var project = "notify-fail-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = _archives.Archive(_archives.Tree("locked", files: 3, maxSize: 2_000, seed: 7), "zip-zipcrypto", password: "right-password");
        await silo.Bucket.UploadAsync($"{project}/locked.zip", archive);
        var queue = await silo.BindQueueAsync();
        var notification = new
        {
            MNS = new { TopicName = NotifyingSiloFixture.WebhookTopic },
            RocketMQ = new { TopicName = NotifyingSiloFixture.AmqpTopic, InstanceId = "rmq-cn-e2e" },
        };

        var taskId = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/locked.zip"), silo.Bucket.Uri($"{project}/out/"), password: "wrong-password", notification: notification);
        var task = await silo.Client.WaitForTaskAsync(project, taskId);
        var code = task.GetProperty("Code").GetString()!;
        TaskAssert.Failed(task, code);
        var received = await silo.ReceiveAsync(queue, Timeout);
        var messageId = ImmNotifications.MessageId(taskId, ImmNotifications.TaskEndedEvent);
        await silo.Receiver.WaitForAsync(r => r.Any(h => h.MessageId == messageId && h.Answered == 200), Timeout);

        var message = AssertEnvelope(received.Body.ToArray(), project, taskId, task);
        Assert.Equal(code, Content(message).GetProperty("Code").GetString());
        Assert.Equal(task.GetProperty("Message").GetString(), Content(message).GetProperty("Message").GetString());
        var hook = Assert.Single(silo.Receiver.Received, r => r.MessageId == messageId);
        Assert.True(hook.SignatureValid);
        Assert.Equal(received.Body.ToArray(), hook.Body); // Byte for byte the same message on both sinks.
        var view = await DeliveredAsync(messageId);
        Assert.Equal(
            [NotifyingSiloFixture.AmqpTopic, NotifyingSiloFixture.WebhookTopic],
            view.GetProperty("Deliveries").EnumerateArray().Select(d => d.GetProperty("Topic").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_topic_removed_before_its_task_ends_dead_letters_the_message_and_a_replay_once_restored_delivers_it()
    {
        // Its own silo on its own database: this test kills it and restarts it with other settings.
        await using var database = await PostgresDatabase.CreateAsync();
        var options = silo.SiloOptions("notify-reconf", database.ConnectionString);
        await using var own = await SiloProcess.StartAsync(options);
        var credentials = await own.ReadCredentialsAsync();
        using var client = new ImmClient(own.BaseAddress, credentials);
        using var rest = NotifyingSiloFixture.RestClient(own.BaseAddress, credentials);
        var project = "notify-reconf-" + Guid.NewGuid().ToString("N")[..8];
        await client.CreateProjectAsync(project);
        var archive = _archives.Archive(_archives.Tree(project, files: 300, maxSize: 30_000, seed: 9), "zip-stored"); // About a second of work.
        await silo.Bucket.UploadAsync($"{project}/many.zip", archive);

        // The task is created while the topic exists; the silo dies mid-extraction and comes back without the topic.
        var taskId = await client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/many.zip"), silo.Bucket.Uri($"{project}/out/"),
            notification: new { RocketMQ = new { TopicName = NotifyingSiloFixture.AmqpTopic } });
        await own.KillAsync();
        Assert.Equal("Running", await StoredStatusAsync(database.ConnectionString, taskId));
        foreach (var key in silo.AmqpTopicSettings().Keys)
        {
            options.Environment.Remove(key);
        }

        await own.StartAsync();

        // The task still ends (its end does not wait on a topic that is gone); the message is kept, dead-lettered.
        var task = await client.WaitForTaskAsync(project, taskId);
        TaskAssert.Succeeded(task);
        var messageId = ImmNotifications.MessageId(taskId, ImmNotifications.TaskEndedEvent);
        var dead = await NotificationAsync(rest, messageId, NotificationStatus.DeadLettered);
        var delivery = Assert.Single(dead.GetProperty("Deliveries").EnumerateArray());
        Assert.Equal(NotifyingSiloFixture.AmqpTopic, delivery.GetProperty("Topic").GetString());
        Assert.Contains($"'{NotifyingSiloFixture.AmqpTopic}' does not exist", delivery.GetProperty("LastError").GetString(), StringComparison.Ordinal);
        using (var refused = await rest.PostAsync($"/api/v1/admin/notifications/{messageId}/replay", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // The topic is configured again: a replay delivers the same message, the one the task's end built.
        await own.StopAsync();
        foreach (var (key, value) in silo.AmqpTopicSettings())
        {
            options.Environment[key] = value;
        }

        await own.StartAsync();
        var queue = await silo.BindQueueAsync();
        using (var replayed = await rest.PostAsync($"/api/v1/admin/notifications/{messageId}/replay", null))
        {
            Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        }

        var received = await silo.ReceiveAsync(queue, Timeout);
        var message = AssertEnvelope(received.Body.ToArray(), project, taskId, task);
        Assert.Equal(messageId, received.BasicProperties.MessageId);
        Assert.Equal(messageId, message.Id);
        var delivered = Assert.Single((await NotificationAsync(rest, messageId, NotificationStatus.Delivered)).GetProperty("Deliveries").EnumerateArray());
        Assert.Equal(1, delivered.GetProperty("Replays").GetInt32());
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>
    /// The envelope as the vendor sends it: exactly <c>id, source, type, subject, time, content</c>, content a JSON
    /// string whose fields agree with the task's GetTask view.
    /// </summary>
    private static NotificationMessage AssertEnvelope(byte[] body, string project, string taskId, JsonElement task)
    {
        using var raw = JsonDocument.Parse(body);
        Assert.Equal(["id", "source", "type", "subject", "time", "content"], raw.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, raw.RootElement.GetProperty("content").ValueKind);
        var message = NotificationJson.Deserialize(body);
        Assert.Equal(ImmNotifications.MessageId(taskId, ImmNotifications.TaskEndedEvent), message.Id);
        Assert.Equal("acs.imm", message.Source);
        Assert.Equal("imm:Task:FileUncompression", message.Type);
        Assert.Equal($"acs:imm:{NotifyingSiloFixture.RegionId}:{NotifyingSiloFixture.AccountId}:{project}/imm:Task:FileUncompression", message.Subject);
        var endTime = TaskAssert.Rfc3339(task, "EndTime");
        var time = long.Parse(message.Time, NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(time, endTime.ToUnixTimeMilliseconds() - 1, endTime.ToUnixTimeMilliseconds() + 1);

        var content = Content(message);
        Assert.Equal(taskId, content.GetProperty("TaskId").GetString());
        Assert.Equal(task.GetProperty("Status").GetString(), content.GetProperty("Status").GetString());
        Assert.Equal(project, content.GetProperty("ProjectName").GetString());
        Assert.Equal("FileUncompression", content.GetProperty("TaskType").GetString());
        Assert.Equal(TaskAssert.Rfc3339(task, "StartTime"), TaskAssert.Rfc3339(content, "StartTime"), TimeSpan.FromMilliseconds(1));
        Assert.Equal(endTime, TaskAssert.Rfc3339(content, "EndTime"), TimeSpan.FromMilliseconds(1));
        return message;
    }

    private static JsonElement Content(NotificationMessage message) => JsonDocument.Parse(message.Content).RootElement.Clone();

    private async Task<(string Project, string SourceUri)> ProjectWithArchiveAsync(string prefix)
    {
        var project = $"notify-{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        await silo.Client.CreateProjectAsync(project);
        var archive = _archives.Archive(_archives.Tree(project, files: 3, maxSize: 2_000, seed: 5), "zip");
        await silo.Bucket.UploadAsync($"{project}/tiny.zip", archive);
        return (project, silo.Bucket.Uri($"{project}/tiny.zip"));
    }

    /// <summary>What the database holds for the project's tasks: rows of the task index, and grain states (Orleans'
    /// storage table) that mention the project (its name is unique to the test; strings are stored as UTF-8).</summary>
    private async Task<(long Tasks, long States)> StoredAsync(string project)
    {
        await using var connection = new NpgsqlConnection(silo.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM grain_index WHERE grain_type = @grain AND partition_key = @project),
                   (SELECT count(*) FROM orleans_storage WHERE grain_key LIKE '~task-fileuncompression/%' AND position(convert_to(@project, 'UTF8') IN payload) > 0)
            """, connection);
        command.Parameters.AddWithValue("grain", FileUncompressionTaskGrain.GrainTypeName);
        command.Parameters.AddWithValue("project", project);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Every notification of the project the cluster holds, whatever its delivery status.</summary>
    private async Task<IReadOnlyList<JsonElement>> NotificationsOfAsync(string project)
    {
        var all = new List<JsonElement>();
        foreach (var status in Enum.GetNames<NotificationStatus>())
        {
            using var response = await silo.Rest.GetAsync($"/api/v1/admin/notifications?Status={status}&ProjectName={project}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            all.AddRange(body.RootElement.GetProperty("Notifications").EnumerateArray().Select(n => n.Clone()));
        }

        return all;
    }

    private Task<JsonElement> DeliveredAsync(string messageId) => NotificationAsync(silo.Rest, messageId, NotificationStatus.Delivered);

    /// <summary>GetNotification, polled until the cluster has recorded <paramref name="status"/> (the broker's confirm
    /// or the receiver's 200 comes before the record).</summary>
    private static async Task<JsonElement> NotificationAsync(HttpClient rest, string messageId, NotificationStatus status)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using var response = await rest.GetAsync($"/api/v1/admin/notifications/{messageId}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GetNotification {messageId}: {(int)response.StatusCode} {text}");
            var view = JsonDocument.Parse(text).RootElement.Clone();
            if (view.GetProperty("Status").GetString() == status.ToString())
            {
                return view;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Notification {messageId} not {status} within {Timeout}: {text}");
            await Task.Delay(100);
        }
    }

    /// <summary>The task's status as stored (its index copy, read from the database with no silo running).</summary>
    private static Task<string?> StoredStatusAsync(string connectionString, string taskId) => StoredTasks.StatusAsync(connectionString, taskId);

}
