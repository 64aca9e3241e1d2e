using System.Globalization;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>Checks of a task view (GetTask / ListTasks item) that every finished task must pass.</summary>
public static class TaskAssert
{
    /// <summary>Succeeded, Progress 100, StartTime ≤ EndTime both RFC 3339 UTC, empty Code.</summary>
    public static void Succeeded(JsonElement task)
    {
        Assert.True(task.GetProperty("Status").GetString() == "Succeeded", $"task did not succeed: {task}");
        Assert.Equal(100, task.GetProperty("Progress").GetInt32());
        Assert.True(string.IsNullOrEmpty(task.GetProperty("Code").GetString()), $"a succeeded task carries no code: {task}");
        var start = Rfc3339(task, "StartTime");
        var end = Rfc3339(task, "EndTime");
        Assert.True(start <= end, $"StartTime {start:O} after EndTime {end:O}");
    }

    /// <summary>Failed with <paramref name="code"/>, both times set.</summary>
    public static void Failed(JsonElement task, string code)
    {
        Assert.True(task.GetProperty("Status").GetString() == "Failed", $"task did not fail: {task}");
        Assert.Equal(code, task.GetProperty("Code").GetString());
        Assert.False(string.IsNullOrEmpty(task.GetProperty("Message").GetString()));
        Assert.True(Rfc3339(task, "StartTime") <= Rfc3339(task, "EndTime"));
    }

    /// <summary>RFC 3339 in UTC ("2026-11-21T16:40:30.782Z"), parsed.</summary>
    public static DateTimeOffset Rfc3339(JsonElement task, string property)
    {
        var text = task.GetProperty(property).GetString();
        Assert.False(string.IsNullOrEmpty(text), $"{property} is missing: {task}");
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$", text);
        return DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
