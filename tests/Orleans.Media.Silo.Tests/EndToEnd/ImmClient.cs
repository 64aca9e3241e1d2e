using System.Globalization;
using System.Text;
using System.Text.Json;
using Orleans.Media.Silo.Security;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// A signing IMM RPC client for a running silo: Alibaba signature V2 over a POST form, as @alicloud/pop-core sends
/// it (the signer is pinned against the SDKs' output in SignatureVectorTests). Complex parameters are JSON strings.
/// </summary>
public sealed class ImmClient : IDisposable
{
    public const string TaskType = "FileUncompression";
    private readonly HttpClient _http;
    private readonly SiloCredentials _credentials;

    public ImmClient(Uri baseAddress, SiloCredentials credentials)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _credentials = credentials;
    }

    public async Task<ApiResult> CallAsync(string action, IReadOnlyDictionary<string, string> parameters, CancellationToken ct = default)
    {
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = "2020-09-30",
            ["Format"] = "JSON",
            ["AccessKeyId"] = _credentials.AccessKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = Guid.NewGuid().ToString("N"),
            ["Timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        all["Signature"] = AlibabaV2Signature.Compute(_credentials.AccessKeySecret, "POST", all);
        var form = string.Join('&', all.Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value)));
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await _http.PostAsync("/", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new ApiResult(response.StatusCode, body);
    }

    public async Task CreateProjectAsync(string project, IReadOnlyDictionary<string, string>? extra = null)
    {
        var parameters = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { ["ProjectName"] = project };
        (await CallAsync("CreateProject", parameters)).EnsureOk("CreateProject");
    }

    /// <summary>CreateFileUncompressionTask; returns the raw answer (admission refusals are answers too).</summary>
    public Task<ApiResult> CreateTaskAsync(
        string project,
        string sourceUri,
        string? targetUri = null,
        IReadOnlyList<string>? selectedFiles = null,
        string? password = null,
        object? notification = null,
        string? userData = null,
        IReadOnlyDictionary<string, string>? tags = null,
        string? credentialConfig = null)
    {
        var p = new Dictionary<string, string> { ["ProjectName"] = project, ["SourceURI"] = sourceUri };
        if (targetUri is not null)
        {
            p["TargetURI"] = targetUri;
        }

        if (selectedFiles is not null)
        {
            p["SelectedFiles"] = JsonSerializer.Serialize(selectedFiles);
        }

        if (password is not null)
        {
            p["Password"] = password;
        }

        if (notification is not null)
        {
            p["Notification"] = JsonSerializer.Serialize(notification);
        }

        if (userData is not null)
        {
            p["UserData"] = userData;
        }

        if (tags is not null)
        {
            p["Tags"] = JsonSerializer.Serialize(tags);
        }

        if (credentialConfig is not null)
        {
            p["CredentialConfig"] = credentialConfig;
        }

        return CallAsync("CreateFileUncompressionTask", p);
    }

    public async Task<string> StartTaskAsync(string project, string sourceUri, string? targetUri = null, IReadOnlyList<string>? selectedFiles = null, string? password = null, object? notification = null)
    {
        var created = (await CreateTaskAsync(project, sourceUri, targetUri, selectedFiles, password, notification)).EnsureOk("CreateFileUncompressionTask");
        return created.String("TaskId");
    }

    public Task<ApiResult> GetTaskAsync(string project, string taskId, bool withDefinition = false) =>
        CallAsync("GetTask", new Dictionary<string, string>
        {
            ["ProjectName"] = project,
            ["TaskType"] = TaskType,
            ["TaskId"] = taskId,
            ["RequestDefinition"] = withDefinition ? "true" : "false",
        });

    public Task<ApiResult> ListTasksAsync(string project, IReadOnlyDictionary<string, string>? filters = null)
    {
        var p = new Dictionary<string, string>(filters ?? new Dictionary<string, string>()) { ["ProjectName"] = project };
        return CallAsync("ListTasks", p);
    }

    /// <summary>Polls GetTask until the task leaves Running; returns its last view.</summary>
    public async Task<JsonElement> WaitForTaskAsync(string project, string taskId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var task = await GetTaskAsync(project, taskId);
            task.EnsureOk("GetTask");
            var status = task.String("Status");
            if (status != "Running")
            {
                return task.Body;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Task {taskId} still Running after {timeout}: {task.Body}");
            }

            await Task.Delay(150);
        }
    }

    public void Dispose() => _http.Dispose();
}
