using System.Text.Json;
using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Grains.Tests.Notifications;

public sealed class ImmNotificationsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 7, 3, 7, 360, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(2026, 11, 21, 7, 3, 8, 570, TimeSpan.Zero);

    private static NotificationMessage Build(string taskId = "FileUncompression-0b6c3f3e-1111-4a4a-9b9b-123456789abc") =>
        ImmNotifications.TaskEnded("media-project", "FileUncompression", taskId, "REQ-1", "Failed", "InvalidArchive",
            "entry a/b.txt is corrupt", Start, End, "{\"k\":\"v\"}", region: "cn-local", accountId: "1234");

    [Fact]
    public void Envelope_has_the_vendor_shape()
    {
        var message = Build();

        Assert.Equal("acs.imm", message.Source);
        Assert.Equal("imm:Task:FileUncompression", message.Type);
        Assert.Equal("acs:imm:cn-local:1234:media-project/imm:Task:FileUncompression", message.Subject);
        Assert.Equal(End.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), message.Time);

        // The wire names are the vendor's lowercase ones, and content is a JSON *string*.
        using var wire = JsonDocument.Parse(JsonSerializer.Serialize(message));
        Assert.Equal(["id", "source", "type", "subject", "time", "content"], wire.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, wire.RootElement.GetProperty("content").ValueKind);
    }

    [Fact]
    public void Content_holds_the_vendor_fields_in_order_with_empty_strings_not_nulls()
    {
        var message = ImmNotifications.TaskEnded("p", "FileUncompression", "FileUncompression-1", "R", "Succeeded", null, null, Start, End, null);

        using var content = JsonDocument.Parse(message.Content);
        Assert.Equal(
            ["ProjectName", "DatasetName", "RequestId", "StartTime", "EndTime", "UserData", "TaskType", "TaskId", "Status", "Code", "Message", "EventSourceId"],
            content.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(content.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        Assert.Equal("2026-11-21T07:03:07.36Z", content.RootElement.GetProperty("StartTime").GetString());
        Assert.Equal("2026-11-21T07:03:08.57Z", content.RootElement.GetProperty("EndTime").GetString());
        Assert.Equal("", content.RootElement.GetProperty("Code").GetString());
        Assert.Equal("Succeeded", content.RootElement.GetProperty("Status").GetString());
    }

    [Fact]
    public void Content_round_trips_every_field()
    {
        var content = ImmNotifications.ReadContent(Build("FileUncompression-x"));

        Assert.Equal(new ImmTaskNotificationContent("media-project", "", "REQ-1", "2026-11-21T07:03:07.36Z", "2026-11-21T07:03:08.57Z",
            "{\"k\":\"v\"}", "FileUncompression", "FileUncompression-x", "Failed", "InvalidArchive", "entry a/b.txt is corrupt", ""), content);
    }

    [Fact]
    public void The_same_task_end_gives_the_same_message_and_id()
    {
        Assert.Equal(Build(), Build());
        Assert.Equal(ImmNotifications.MessageId("t-1", "TaskEnded"), Build("t-1").Id);
        Assert.Matches("^[0-9a-f]{32}$", Build().Id);
    }

    [Fact]
    public void Ids_differ_per_task_and_per_event()
    {
        Assert.NotEqual(Build("t-1").Id, Build("t-2").Id);
        Assert.NotEqual(ImmNotifications.MessageId("t-1", "TaskEnded"), ImmNotifications.MessageId("t-1", "TaskCreated"));
    }

    [Fact]
    public void Non_ascii_user_data_stays_readable_in_content()
    {
        var message = ImmNotifications.TaskEnded("p", "FileUncompression", "t", "R", "Succeeded", null, null, Start, End, "归档 ✓");

        Assert.Contains("归档 ✓", message.Content, StringComparison.Ordinal);
        Assert.Equal("归档 ✓", ImmNotifications.ReadContent(message).UserData);
    }
}
