using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Tests.Notifications;

internal static class TestMessages
{
    /// <summary>A task-end message for a fresh task id (so concurrent tests never share a message).</summary>
    public static NotificationMessage TaskEnded(string project = "notify-project")
    {
        var taskId = "FileUncompression-" + Guid.NewGuid().ToString("D");
        var start = DateTimeOffset.UtcNow.AddSeconds(-3);
        return ImmNotifications.TaskEnded(project, "FileUncompression", taskId, Guid.NewGuid().ToString("D").ToUpperInvariant(),
            "Succeeded", null, null, start, start.AddSeconds(2), "{\"order\":42}");
    }
}
