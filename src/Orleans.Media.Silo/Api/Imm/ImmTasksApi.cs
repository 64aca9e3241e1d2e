using System.Globalization;
using Orleans.Media.Grains;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Hosting;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Storage;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>IMM task operations: CreateFileUncompressionTask, GetTask, ListTasks.</summary>
public static class ImmTasksApi
{
    private const int MaxSelectedFiles = 80_000;
    private const int MaxPathLength = 1_024;
    private const string TagKeyRule = "1 to 128 letters, digits, '_' or '-'";

    public static void Register(ApiOperationCatalog catalog)
    {
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "CreateFileUncompressionTask", CreateFileUncompressionAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "POST /api/v1/projects/{ProjectName}/tasks/file-uncompression",
            ResponseType = typeof(CreateTaskResponse),
            Summary = "Decompresses a zip, RAR or 7z archive in object storage (all entries or SelectedFiles) under TargetURI.",
        });
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "GetTask", GetTaskAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "GET /api/v1/projects/{ProjectName}/tasks/{TaskId}",
            ResponseType = typeof(TaskView),
            Summary = "Reads a task: status, progress, code and message.",
        });
        catalog.Add(new ApiOperation(ImmApi.Product, ImmApi.Version, "ListTasks", ListTasksAsync)
        {
            ProjectParameter = "ProjectName",
            RestRoute = "GET /api/v1/projects/{ProjectName}/tasks",
            ResponseType = typeof(ListTasksResponse),
            Summary = "Lists a project's tasks with filters, sorting and NextToken paging.",
        });
    }

    private static async Task<object> CreateFileUncompressionAsync(ApiRequest request, CancellationToken ct)
    {
        var projectName = ProjectName.Validate(request.RequireString("ProjectName"));
        var storage = request.Services.GetRequiredService<IObjectStorage>();
        var source = ParseUri(request.RequireString("SourceURI"), "SourceURI", storage);
        if (source.Key.Length == 0 || source.Key.EndsWith('/'))
        {
            throw ServiceException.InvalidArgument("SourceURI must name an archive object, not a folder.");
        }

        var targetText = request.GetString("TargetURI");
        var target = string.IsNullOrEmpty(targetText)
            ? ObjectUri.Parse(FileUncompressionRequest.DefaultTarget(source.ToString()))
            : ParseUri(targetText, "TargetURI", storage);
        if (target.Key.Length > 0 && !target.Key.EndsWith('/'))
        {
            target = target.WithKey(target.Key + "/");
        }

        var selected = ReadSelectedFiles(request);
        var notification = request.GetJson<TaskNotification>("Notification");
        if (notification is not null)
        {
            // A channel without its topic would accept the task and never announce it: refused like an unknown topic.
            if (notification.Mns is { TopicName: null or "" })
            {
                throw ServiceException.InvalidArgument("Notification.MNS.TopicName is required when Notification.MNS is given.");
            }

            if (notification.RocketMQ is { TopicName: null or "" })
            {
                throw ServiceException.InvalidArgument("Notification.RocketMQ.TopicName is required when Notification.RocketMQ is given.");
            }

            var topics = request.Services.GetRequiredService<INotificationTopics>();
            foreach (var topic in notification.Topics().Where(t => !topics.Exists(t)))
            {
                throw ServiceException.InvalidArgument($"The notification topic '{topic}' is not configured on this cluster.");
            }

            if (notification.ExtendedMessageURI is { Length: > 0 } detail)
            {
                ParseUri(detail, "Notification.ExtendedMessageURI", storage);
            }
        }

        var tags = request.GetJson<Dictionary<string, string>>("Tags");
        if (tags is not null && !tags.Keys.All(IsTagKey))
        {
            throw ServiceException.InvalidArgument($"Tags keys must be {TagKeyRule}.");
        }

        var credentialConfig = ReadCredentialConfig(request);

        // Admission checks that need the source: it exists, it is an archive IMM decompresses, and it fits the
        // project's size limit for its format. The entry count is checked by the job before anything is written.
        // The project's limits and the source's size and signature are read at the same time (two stores, no
        // order between them); a missing project is still reported before a missing source.
        var grains = request.Services.GetRequiredService<IGrainFactory>();
        var store = storage.GetBucket(source.Bucket);
        var inspect = InspectSourceAsync(store, source, ct);
        Admission admission;
        try
        {
            admission = await grains.GetGrain<IProjectGrain>(projectName).Admit();
        }
        catch
        {
            _ = inspect.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            throw;
        }

        var (size, kind) = await inspect;
        var limits = admission.Limits;
        var maxBytes = kind == ArchiveSignature.Kind.SevenZip ? limits.Max7zBytes : limits.MaxZipRarBytes;
        if (size > maxBytes)
        {
            throw new ServiceException(
                FileUncompressionCodes.For(Archives.ArchiveErrorCode.ArchiveTooLarge),
                $"The archive is {size} bytes; the project accepts {kind} archives up to {maxBytes} bytes.",
                400);
        }

        var taskId = TaskIds.NewTaskId(FileUncompressionTaskState.TaskType);
        var eventId = TaskIds.NewEventId();
        var task = grains.GetGrain<IFileUncompressionTaskGrain>(taskId);

        // An id just minted: if the grain activates in this silo for this call, it skips reading state it
        // cannot have (NewGrainIds).
        using var creating = request.Services.GetRequiredService<NewGrainIds>().Creating(task.GetGrainId());
        await task.Create(new FileUncompressionRequest
        {
            ProjectName = projectName,
            SourceURI = source.ToString(),
            TargetURI = target.ToString(),
            SelectedFiles = selected,
            Password = request.GetString("Password") is { Length: > 0 } p ? p : null,
            UserData = request.GetString("UserData"),
            Notification = notification,
            CredentialConfig = credentialConfig,
            Tags = tags,
            RequestId = request.RequestId,
        }, eventId, admission);
        return new CreateTaskResponse(eventId, taskId);
    }

    private static async Task<object> GetTaskAsync(ApiRequest request, CancellationToken ct)
    {
        var projectName = ProjectName.Validate(request.RequireString("ProjectName"));
        var taskType = request.RequireString("TaskType");
        var taskId = request.RequireString("TaskId");
        var task = taskType == FileUncompressionTaskState.TaskType && taskId.StartsWith(taskType + "-", StringComparison.Ordinal)
            ? await request.Services.GetRequiredService<IGrainFactory>().GetGrain<IFileUncompressionTaskGrain>(taskId).Get()
            : null;
        var now = request.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (task is not { Exists: true } || task.ProjectName != projectName || task.IsExpired(now))
        {
            throw ServiceException.NotFound($"The task '{taskId}' of type '{taskType}' does not exist in project '{projectName}'.");
        }

        return TaskView.From(task, request.GetBool("RequestDefinition") ?? false);
    }

    /// <summary>The state path a ListTasks <c>Sort</c> orders by: null for TaskId (the index key).</summary>
    internal static string? SortPath(string sort) => sort switch
    {
        "TaskId" => null,
        "StartTime" => nameof(FileUncompressionTaskState.StartTimeMs),
        "EndTime" => nameof(FileUncompressionTaskState.EndTimeMs),
        _ => throw ServiceException.InvalidArgument("Sort must be TaskId, StartTime or EndTime."),
    };

    private static async Task<object> ListTasksAsync(ApiRequest request, CancellationToken ct)
    {
        var projectName = ProjectName.Validate(request.RequireString("ProjectName"));
        // The reference rules refuse MaxResults outside (0, 100] before this runs; checked again so the bound holds
        // whatever rules an operation is registered with.
        var max = request.GetInt("MaxResults") ?? 100;
        if (max is < 1 or > 100)
        {
            throw ServiceException.InvalidArgument("MaxResults must be 1 to 100.");
        }

        var types = request.GetJson<List<string>>("TaskTypes");
        var withDefinition = request.GetBool("RequestDefinition") ?? false;
        var now = request.Services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        var filters = new List<StateFilter>
        {
            StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
            StateFilter.Gte(nameof(FileUncompressionTaskState.ExpiresAtMs), now + 1),
        };
        if (request.GetString("Status") is { Length: > 0 } status)
        {
            filters.Add(StateFilter.Eq(nameof(FileUncompressionTaskState.Status), status));
        }

        if (request.GetString("TagSelector") is { Length: > 0 } selector)
        {
            var eq = selector.IndexOf('=');
            var key = eq > 0 ? selector[..eq] : throw ServiceException.InvalidArgument("TagSelector must be key=value.");
            if (!IsTagKey(key))
            {
                throw ServiceException.InvalidArgument($"TagSelector's key must be {TagKeyRule}.");
            }

            filters.Add(StateFilter.Eq($"{nameof(FileUncompressionTaskState.Request)}.{nameof(FileUncompressionRequest.Tags)}.{key}", selector[(eq + 1)..]));
        }

        AddRange(filters, request.GetJson<TimeRange>("StartTimeRange"), nameof(FileUncompressionTaskState.StartTimeMs), "StartTimeRange");
        AddRange(filters, request.GetJson<TimeRange>("EndTimeRange"), nameof(FileUncompressionTaskState.EndTimeMs), "EndTimeRange");

        var orderBy = SortPath(request.GetString("Sort") is { Length: > 0 } s ? s : "TaskId");
        var descending = request.GetString("Order") is "DES";
        var query = new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
        {
            Partition = projectName,
            Filters = filters,
            OrderBy = orderBy,
            OrderByKind = orderBy is null ? StateValueKind.Text : StateValueKind.Number,
            Descending = descending,
            PageToken = request.GetString("NextToken") is { Length: > 0 } token ? token : null,
            Limit = max,
        };

        // Every parameter is checked before this answer (NextToken too: the runtime honours a token only under the
        // Sort and Order it was issued for): a listing of other task types is empty, not a pass for malformed ones.
        var queries = request.Services.GetRequiredService<IGrainStateQuery>();
        queries.Validate(query);
        if (types is { Count: > 0 } && !types.Contains(FileUncompressionTaskState.TaskType))
        {
            return new ListTasksResponse(projectName, [], null, max.ToString(CultureInfo.InvariantCulture));
        }

        var page = await queries.QueryAsync<FileUncompressionTaskState>(query, ct);
        var tasks = page.Items.Select(i => TaskView.From(i.State, withDefinition)).ToList();
        return new ListTasksResponse(projectName, tasks, page.NextPageToken, max.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Tag keys are what the store can select on (TagSelector filters on <c>Request.Tags.{key}</c>, and the state
    /// query's property paths are letters, digits, '_' and '-'), so every tag a task can carry can also be listed by.
    /// </summary>
    private static bool IsTagKey(string key) =>
        key.Length is > 0 and <= 128 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>
    /// The reference's CredentialConfig object (the rules already require a JSON object), checked against its shape;
    /// kept as the JSON text received. This cluster reaches storage with its own credentials, so it is only stored and
    /// echoed in TaskRequestDefinition.
    /// </summary>
    private static string? ReadCredentialConfig(ApiRequest request)
    {
        _ = request.GetJson<CredentialConfig>("CredentialConfig");
        return request.GetString("CredentialConfig") is { Length: > 0 } text ? text : null;
    }

    private static void AddRange(List<StateFilter> filters, TimeRange? range, string property, string parameter)
    {
        if (range?.Start is { Length: > 0 } start)
        {
            filters.Add(StateFilter.Gte(property, ParseTime(start, parameter).ToUnixTimeMilliseconds()));
        }

        if (range?.End is { Length: > 0 } end)
        {
            filters.Add(StateFilter.Lte(property, ParseTime(end, parameter).ToUnixTimeMilliseconds()));
        }
    }

    private static DateTimeOffset ParseTime(string value, string parameter) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw ServiceException.InvalidArgument($"{parameter} times must be RFC 3339, e.g. 2026-11-21T12:00:00Z.");

    private static ObjectUri ParseUri(string value, string parameter, IObjectStorage storage)
    {
        if (!ObjectUri.TryParse(value, out var uri, out var error))
        {
            throw ServiceException.InvalidArgument($"{parameter} is invalid: {error}");
        }

        if (!storage.HasBucket(uri.Bucket))
        {
            throw ServiceException.InvalidArgument($"{parameter} names the bucket '{uri.Bucket}', which this cluster cannot reach.");
        }

        return uri;
    }

    private static IReadOnlyList<string> ReadSelectedFiles(ApiRequest request)
    {
        var selected = request.GetJson<List<string>>("SelectedFiles") ?? [];
        if (selected.Count > MaxSelectedFiles)
        {
            throw ServiceException.InvalidArgument($"SelectedFiles lists more than {MaxSelectedFiles} paths.");
        }

        foreach (var path in selected)
        {
            if (string.IsNullOrWhiteSpace(path) || path.Length > MaxPathLength || path.Contains('\0'))
            {
                throw ServiceException.InvalidArgument($"SelectedFiles has an empty, over-long or NUL-bearing path.");
            }
        }

        return selected;
    }

    /// <summary>
    /// The source's size (it must exist) and its format by content (it must be an archive IMM decompresses), from one
    /// open of the object: its length comes with the open, so no separate HEAD (a second round trip on S3; on the
    /// local folder a second path resolution and attribute read on every creation).
    /// </summary>
    private static async Task<(long Size, ArchiveSignature.Kind Kind)> InspectSourceAsync(IObjectStore store, ObjectUri source, CancellationToken ct)
    {
        var head = new byte[ArchiveSignature.BytesNeeded];
        var read = 0;
        long size;
        try
        {
            await using var stream = await store.OpenReadAsync(source.Key, new ReadOptions { ReadAheadBytes = 4096 }, ct);
            size = stream.Length;
            while (read < head.Length && read < size)
            {
                var n = await stream.ReadAsync(head.AsMemory(read), ct);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (ObjectNotFoundException)
        {
            throw ServiceException.NotFound($"The specified SourceURI '{source}' does not exist.");
        }

        var kind = ArchiveSignature.Detect(head.AsSpan(0, read));
        return kind != ArchiveSignature.Kind.Unsupported
            ? (size, kind)
            : throw new ServiceException(
                FileUncompressionCodes.For(Archives.ArchiveErrorCode.UnsupportedFormat),
                "The source is not a zip, RAR or 7z archive.",
                400);
    }

    private sealed record TimeRange(string? Start, string? End);

    private sealed record CredentialConfig(string? ServiceRole, string? Policy, IReadOnlyList<CredentialChainLink>? Chain);

    private sealed record CredentialChainLink(string? AssumeRoleFor, string? Role, string? RoleType);
}

public sealed record CreateTaskResponse(string EventId, string TaskId);

public sealed record ListTasksResponse(string ProjectName, IReadOnlyList<TaskView> Tasks, string? NextToken, string MaxResults);
