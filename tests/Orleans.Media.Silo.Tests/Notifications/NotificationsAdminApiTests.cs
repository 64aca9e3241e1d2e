using System.Net;
using System.Text.Json;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Silo.Tests.Events;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>The admin operations over HTTP on a real silo: list dead-lettered, get one, replay.</summary>
public sealed class NotificationsAdminApiTests
{
    private const string Secret = "whsec-admin-0123456789";
    private const string Topic = "imm-admin";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient admin, string messageId, string status)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var view = await JsonAsync(await admin.GetAsync($"/api/v1/admin/notifications/{messageId}"));
            if (view.GetProperty("Status").GetString() == status)
            {
                return view;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{messageId} is {view.GetProperty("Status")}, not {status}.");
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Dead_lettered_messages_are_listed_inspected_and_replayed_over_http()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var healthy = false;
        receiver.Respond = _ => (Volatile.Read(ref healthy) ? 200 : 502, TimeSpan.Zero);
        await using var host = await EventsTestHost.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 2));
        using var admin = host.Client(host.AdminToken);
        var dead = TestMessages.TaskEnded("alpha");
        var fine = TestMessages.TaskEnded("alpha");
        await host.Grains.GetGrain<INotificationGrain>(dead.Id).Send(dead, Topic);
        var deadView = await WaitForAsync(admin, dead.Id, "DeadLettered");
        Volatile.Write(ref healthy, true);
        await host.Grains.GetGrain<INotificationGrain>(fine.Id).Send(fine, Topic);
        await WaitForAsync(admin, fine.Id, "Delivered");

        var list = await JsonAsync(await admin.GetAsync("/api/v1/admin/notifications"));
        var listed = list.GetProperty("Notifications").EnumerateArray().Select(n => n.GetProperty("MessageId").GetString()).ToList();
        var delivery = deadView.GetProperty("Deliveries").EnumerateArray().Single();
        Assert.Equal([dead.Id], listed); // Dead-lettered only, by default.
        Assert.Equal(2, delivery.GetProperty("Attempts").GetInt32());
        Assert.Contains("502", delivery.GetProperty("LastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(dead.Id, deadView.GetProperty("Message").GetProperty("id").GetString());
        Assert.Equal("alpha", deadView.GetProperty("Project").GetString());
        // The operator's log line (at least one: a retried outcome turn may write it again).
        Assert.Contains(host.Logs.Lines, l => l.EventId.Id == 4102 && l.Message.Contains(dead.Id, StringComparison.Ordinal));
        var logLine = host.Logs.Lines.First(l => l.EventId.Id == 4102 && l.Message.Contains(dead.Id, StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, logLine.Level);
        Assert.Contains(Topic, logLine.Message, StringComparison.Ordinal);

        var replay = await JsonAsync(await admin.PostAsync($"/api/v1/admin/notifications/{dead.Id}/replay", null));
        Assert.Equal(dead.Id, replay.GetProperty("MessageId").GetString());
        await WaitForAsync(admin, dead.Id, "Delivered");

        Assert.Equal(dead.Id, receiver.Received[^1].MessageId);
        Assert.Equal(200, receiver.Received.Last(r => r.MessageId == dead.Id).Answered);
        var afterReplay = await JsonAsync(await admin.GetAsync("/api/v1/admin/notifications"));
        Assert.Empty(afterReplay.GetProperty("Notifications").EnumerateArray());
        var delivered = await JsonAsync(await admin.GetAsync("/api/v1/admin/notifications?Status=Delivered&ProjectName=alpha"));
        Assert.Equal(2, delivered.GetProperty("Notifications").GetArrayLength());
    }

    [Fact]
    public async Task Admin_operations_need_an_admin_key_and_an_existing_message()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        await using var host = await EventsTestHost.StartAsync(NotificationCluster.WebhookTopic(Topic, receiver.Url, Secret, maxAttempts: 2));
        using var admin = host.Client(host.AdminToken);
        using var alpha = host.Client(host.AlphaToken);
        using var anonymous = host.Client(null);
        const string unknown = "0123456789abcdef0123456789abcdef";

        using var notAdmin = await alpha.GetAsync("/api/v1/admin/notifications");
        using var notAdminReplay = await alpha.PostAsync($"/api/v1/admin/notifications/{unknown}/replay", null);
        using var noAuth = await anonymous.GetAsync("/api/v1/admin/notifications");
        using var missing = await admin.GetAsync($"/api/v1/admin/notifications/{unknown}");
        using var missingReplay = await admin.PostAsync($"/api/v1/admin/notifications/{unknown}/replay", null);
        using var badStatus = await admin.GetAsync("/api/v1/admin/notifications?Status=Lost");
        using var badToken = await admin.GetAsync("/api/v1/admin/notifications?NextToken=forged-token");

        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdminReplay.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noAuth.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingReplay.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        using var body = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
        Assert.Equal("ResourceNotFound", body.RootElement.GetProperty("Code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
        using var tokenBody = JsonDocument.Parse(await badToken.Content.ReadAsStringAsync());
        Assert.Equal("InvalidArgument", tokenBody.RootElement.GetProperty("Code").GetString());
        Assert.Contains("NextToken", tokenBody.RootElement.GetProperty("Message").GetString());
    }
}
