using System.Text.Json;
using Orleans.Media.Grains.FileUncompression;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>A task as GetTask and ListTasks return it (the reference's <c>TaskInfo</c>).</summary>
public sealed record TaskView
{
    public required string ProjectName { get; init; }

    public required string TaskId { get; init; }

    public required string TaskType { get; init; }

    public required string EventId { get; init; }

    public required string Status { get; init; }

    public string? Code { get; init; }

    public string? Message { get; init; }

    public string? StartTime { get; init; }

    public string? EndTime { get; init; }

    public int Progress { get; init; }

    public string? UserData { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public string? TaskRequestDefinition { get; init; }

    public static TaskView From(FileUncompressionTaskState t, bool withDefinition) => new()
    {
        ProjectName = t.ProjectName,
        TaskId = t.TaskId,
        TaskType = t.Type,
        EventId = t.EventId,
        Status = t.Status,
        Code = t.Code ?? "",
        Message = t.Message ?? "",
        StartTime = ImmApi.Time(t.StartTime),
        EndTime = ImmApi.Time(t.EndTime),
        Progress = t.Progress,
        UserData = t.Request?.UserData,
        Tags = t.Request?.Tags,
        TaskRequestDefinition = withDefinition && t.Request is { } r ? Definition(r, t.PasswordGiven) : null,
    };

    /// <summary>The creating request as a JSON string; the password never leaves the task.</summary>
    private static string Definition(FileUncompressionRequest r, bool passwordGiven) => JsonSerializer.Serialize(new
    {
        r.ProjectName,
        r.SourceURI,
        r.TargetURI,
        r.SelectedFiles,
        Password = passwordGiven ? "******" : null,
        r.UserData,
        r.Notification,
        CredentialConfig = AsJson(r.CredentialConfig),
        r.Tags,
    });

    /// <summary>
    /// CredentialConfig arrives as JSON text (an object parameter) and is echoed as that object, like Notification,
    /// not as a string holding JSON; text that is not JSON (never admitted, but possible in old records) stays text.
    /// </summary>
    private static object? AsJson(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
