using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Every request field of GetTask and ListTasks (imm-2020-09-30 reference), signed over HTTP against a silo process
/// on PostgreSQL and s3rver: TagSelector, StartTimeRange / EndTimeRange (built from the tasks' own times), Sort and
/// Order, NextToken paging, TaskTypes, Status, MaxResults, RequestDefinition; refusals in the vendor's error format;
/// CredentialConfig on create; the default 7-day retention on GetProject.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TaskQueryFieldsTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private const string Password = "s3cret-Pa55 word";
    private readonly ArchiveFactory _archives = new();

    [Fact]
    public async Task TagSelector_lists_only_the_tasks_created_with_that_tag()
    {
        var project = await NewProjectAsync("tag");
        var prod = await RunAsync(project, tags: new Dictionary<string, string> { ["env"] = "prod", ["team"] = "media_1" });
        var dev = await RunAsync(project, tags: new Dictionary<string, string> { ["env"] = "dev", ["cost-center"] = "cc-1" });
        var untagged = await RunAsync(project);

        Assert.Equal(new[] { prod }, await ListIdsAsync(project, ("TagSelector", "env=prod")));
        Assert.Equal(new[] { dev }, await ListIdsAsync(project, ("TagSelector", "env=dev")));
        Assert.Equal(new[] { prod }, await ListIdsAsync(project, ("TagSelector", "team=media_1")));
        Assert.Equal(new[] { dev }, await ListIdsAsync(project, ("TagSelector", "cost-center=cc-1")));
        Assert.Empty(await ListIdsAsync(project, ("TagSelector", "env=staging")));
        Assert.Empty(await ListIdsAsync(project, ("TagSelector", "owner=prod")));

        // Everything after the first '=' is the value: "env=prod=x" asks for the value "prod=x", which no task has.
        Assert.Empty(await ListIdsAsync(project, ("TagSelector", "env=prod=x")));

        // The tags come back as the reference's object on GetTask and ListTasks; an untagged task has none.
        var got = (await silo.Client.GetTaskAsync(project, prod)).EnsureOk("GetTask").Body;
        Assert.Equal("{\"env\":\"prod\",\"team\":\"media_1\"}", Canonical(got.GetProperty("Tags")));
        var listed = await ListAsync(project, ("TagSelector", "env=dev"));
        Assert.Equal("{\"cost-center\":\"cc-1\",\"env\":\"dev\"}", Canonical(Assert.Single(listed.Body.GetProperty("Tasks").EnumerateArray()).GetProperty("Tags")));
        var plain = (await silo.Client.GetTaskAsync(project, untagged)).EnsureOk("GetTask").Body;
        Assert.False(plain.TryGetProperty("Tags", out var none) && none.ValueKind == JsonValueKind.Object && none.EnumerateObject().Any());

        // A selector that is not key=value, and a key no tag can have, are the caller's mistakes.
        AssertVendorError(await ListAsync(project, ("TagSelector", "env")), HttpStatusCode.BadRequest, "InvalidArgument", "TagSelector");
        AssertVendorError(await ListAsync(project, ("TagSelector", "=prod")), HttpStatusCode.BadRequest, "InvalidArgument", "TagSelector");
        AssertVendorError(await ListAsync(project, ("TagSelector", "a.b=1")), HttpStatusCode.BadRequest, "InvalidArgument", "TagSelector");
        AssertVendorError(await ListAsync(project, ("TagSelector", "a'b=1")), HttpStatusCode.BadRequest, "InvalidArgument", "TagSelector");

        // Tags keys are checked on create with the same rule TagSelector uses, so every tag set can be selected on.
        AssertVendorError(
            await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/a.zip"), tags: new Dictionary<string, string> { ["a.b"] = "1" }),
            HttpStatusCode.BadRequest,
            "InvalidArgument",
            "Tags");
        AssertVendorError(
            await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/a.zip"), tags: new Dictionary<string, string> { ["a'b"] = "1" }),
            HttpStatusCode.BadRequest,
            "InvalidArgument",
            "Tags");
        AssertVendorError(
            await silo.Client.CallAsync("CreateFileUncompressionTask", new Dictionary<string, string>
            {
                ["ProjectName"] = project,
                ["SourceURI"] = silo.Bucket.Uri($"{project}/a.zip"),
                ["Tags"] = "[\"env\"]",
            }),
            HttpStatusCode.BadRequest,
            "InvalidArgument",
            "Tags");
    }

    [Fact]
    public async Task Time_ranges_select_tasks_by_their_own_start_and_end_times_inclusively()
    {
        var project = await NewProjectAsync("time");
        var tasks = await RunSequentiallyAsync(project, 3);
        var (t0, t1, t2) = (tasks[0], tasks[1], tasks[2]);
        var ms = TimeSpan.FromMilliseconds(1);

        // Bounds are inclusive to the millisecond the API reports.
        Assert.Equal(new[] { t1.Id }, await ListIdsAsync(project, ("StartTimeRange", Range(t1.Start, t1.Start))));
        Assert.Equal(new[] { t0.Id, t1.Id }, await ListIdsAsync(project, ("StartTimeRange", Range(t0.Start, t1.Start)), ("Sort", "StartTime")));
        Assert.Equal(new[] { t2.Id }, await ListIdsAsync(project, ("StartTimeRange", Range(t1.Start + ms, null))));
        Assert.Equal(new[] { t0.Id }, await ListIdsAsync(project, ("StartTimeRange", Range(null, t1.Start - ms))));
        Assert.Equal(new[] { t1.Id }, await ListIdsAsync(project, ("EndTimeRange", Range(t1.End, t1.End))));
        Assert.Equal(new[] { t1.Id, t2.Id }, await ListIdsAsync(project, ("EndTimeRange", Range(t1.End, null)), ("Sort", "StartTime")));
        Assert.Empty(await ListIdsAsync(project, ("EndTimeRange", Range(null, t0.End - ms))));

        // Both ranges at once: started in [t0, t2] and ended by t1's end.
        Assert.Equal(new[] { t0.Id, t1.Id }, await ListIdsAsync(project, ("StartTimeRange", Range(t0.Start, t2.Start)), ("EndTimeRange", Range(null, t1.End)), ("Sort", "StartTime")));

        // RFC 3339 with an offset names the same instant.
        var offset = t1.Start.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        Assert.Equal(new[] { t1.Id }, await ListIdsAsync(project, ("StartTimeRange", JsonSerializer.Serialize(new { Start = offset, End = offset }))));

        AssertVendorError(await ListAsync(project, ("StartTimeRange", "{\"Start\":\"yesterday\"}")), HttpStatusCode.BadRequest, "InvalidArgument", "StartTimeRange");
        AssertVendorError(await ListAsync(project, ("EndTimeRange", "{\"Start\":")), HttpStatusCode.BadRequest, "InvalidArgument", "EndTimeRange");
        AssertVendorError(await ListAsync(project, ("EndTimeRange", "[\"2026-01-01T00:00:00Z\"]")), HttpStatusCode.BadRequest, "InvalidArgument", "EndTimeRange");
    }

    [Fact]
    public async Task Sort_and_Order_order_the_listing_and_NextToken_pages_through_it()
    {
        var project = await NewProjectAsync("sort");

        // Creation order is start and end order, and task ids (version-7 UUIDs) follow creation too: every sort
        // gives the same order here. That the time sorts order by the times, not by the id, is pinned where it is
        // decided: ListTasksSortTests (Sort to state path) and QueryConformanceTests (a path sorts by its values).
        var tasks = await RunSequentiallyAsync(project, 3);
        var byTime = tasks.Select(t => t.Id).ToList();
        var byId = byTime.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(byId, byTime);

        Assert.Equal(byTime, await ListIdsAsync(project, ("Sort", "EndTime"), ("Order", "ASC")));
        Assert.Equal(byTime.AsEnumerable().Reverse(), await ListIdsAsync(project, ("Sort", "EndTime"), ("Order", "DES")));
        Assert.Equal(byTime, await ListIdsAsync(project, ("Sort", "EndTime")));
        Assert.Equal(byTime, await ListIdsAsync(project, ("Sort", "StartTime"), ("Order", "ASC")));
        Assert.Equal(byTime.AsEnumerable().Reverse(), await ListIdsAsync(project, ("Sort", "StartTime"), ("Order", "DES")));
        Assert.Equal(byId, await ListIdsAsync(project));
        Assert.Equal(byId.AsEnumerable().Reverse(), await ListIdsAsync(project, ("Sort", "TaskId"), ("Order", "DES")));

        // One task per page, newest end first: every task once, in order, NextToken only while more remain.
        foreach (var (sort, order, expected) in new[] { ("EndTime", "DES", byTime.AsEnumerable().Reverse().ToList()), ("TaskId", "ASC", byId) })
        {
            var paged = new List<string>();
            string? token = null;
            do
            {
                var filters = new List<(string, string)> { ("Sort", sort), ("Order", order), ("MaxResults", "1") };
                if (token is not null)
                {
                    filters.Add(("NextToken", token));
                }

                var page = (await ListAsync(project, [.. filters])).EnsureOk("ListTasks").Body;
                Assert.Equal("1", page.GetProperty("MaxResults").GetString());
                paged.Add(Assert.Single(page.GetProperty("Tasks").EnumerateArray()).GetProperty("TaskId").GetString()!);
                token = page.TryGetProperty("NextToken", out var next) ? next.GetString() : null;
                Assert.True(paged.Count <= expected.Count, "paging did not stop");
            }
            while (token is not null);

            Assert.Equal(expected, paged);
        }

        AssertVendorError(await ListAsync(project, ("Sort", "CreateTime")), HttpStatusCode.BadRequest, "InvalidArgument", "Sort");
        AssertVendorError(await ListAsync(project, ("Order", "DESC")), HttpStatusCode.BadRequest, "InvalidArgument", "Order");
    }

    [Fact]
    public async Task Malformed_forged_or_foreign_NextToken_and_out_of_range_MaxResults_are_InvalidArgument()
    {
        var project = await NewProjectAsync("page");
        await RunSequentiallyAsync(project, 2);
        var byEnd = (await ListAsync(project, ("Sort", "EndTime"), ("MaxResults", "1"))).EnsureOk("ListTasks").String("NextToken");
        var byId = (await ListAsync(project, ("MaxResults", "1"))).EnsureOk("ListTasks").String("NextToken");

        var forged = new[]
        {
            "!!not-a-token!!",
            "bm90IGEgdG9rZW4",
            Base64Url("[\"only-one\"]"),
            Base64Url("{\"Sort\":\"EndTime\"}"),
            Base64Url("[\"abc\",\"FileUncompression-x\"]"),
            byEnd[..^2],
            byEnd + "x",

            // Hand-made envelopes (the token's format, restated here on purpose) around invented store positions:
            // one the store cannot decode, one whose sort value PostgreSQL cannot read as a time.
            Base64Url(JsonSerializer.Serialize(new { Sort = "EndTime", Order = "ASC", Position = "%%%" })),
            Base64Url(JsonSerializer.Serialize(new { Sort = "EndTime", Order = "ASC", Position = Base64Url("[\"abc\",\"FileUncompression-x\"]") })),
        };
        foreach (var token in forged)
        {
            AssertVendorError(await ListAsync(project, ("Sort", "EndTime"), ("NextToken", token)), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");
            AssertVendorError(await ListAsync(project, ("NextToken", token)), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");
        }

        // A token continues the listing it came from: another Sort or Order is refused, not silently misread.
        AssertVendorError(await ListAsync(project, ("Sort", "EndTime"), ("NextToken", byId)), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");
        AssertVendorError(await ListAsync(project, ("NextToken", byEnd)), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");
        AssertVendorError(await ListAsync(project, ("Sort", "StartTime"), ("NextToken", byEnd)), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");
        AssertVendorError(await ListAsync(project, ("Sort", "EndTime"), ("Order", "DES"), ("NextToken", byEnd)), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");

        // The genuine tokens still work with their own listing.
        Assert.Single((await ListAsync(project, ("Sort", "EndTime"), ("MaxResults", "1"), ("NextToken", byEnd))).EnsureOk("ListTasks").Body.GetProperty("Tasks").EnumerateArray());
        Assert.Single((await ListAsync(project, ("MaxResults", "1"), ("NextToken", byId))).EnsureOk("ListTasks").Body.GetProperty("Tasks").EnumerateArray());

        // MaxResults is (0, 100].
        foreach (var bad in new[] { "101", "0", "-1", "1000000", "ten" })
        {
            AssertVendorError(await ListAsync(project, ("MaxResults", bad)), HttpStatusCode.BadRequest, "InvalidArgument", "MaxResults");
        }

        Assert.Equal("100", (await ListAsync(project, ("MaxResults", "100"))).EnsureOk("ListTasks").String("MaxResults"));
    }

    [Fact]
    public async Task TaskTypes_Status_and_the_default_MaxResults()
    {
        var project = await NewProjectAsync("type");
        var id = await RunAsync(project);

        // No MaxResults: the real handler answers the default as the string "100".
        var all = (await ListAsync(project)).EnsureOk("ListTasks").Body;
        Assert.Equal("100", all.GetProperty("MaxResults").GetString());
        Assert.Equal(project, all.GetProperty("ProjectName").GetString());
        Assert.False(all.TryGetProperty("NextToken", out _), $"the last page carries no NextToken: {all}");
        Assert.Equal(new[] { id }, Ids(all));

        // A type no task has lists nothing, with the same envelope.
        var other = (await ListAsync(project, ("TaskTypes", "[\"FileCompression\"]"))).EnsureOk("ListTasks").Body;
        Assert.Empty(other.GetProperty("Tasks").EnumerateArray());
        Assert.Equal("100", other.GetProperty("MaxResults").GetString());
        Assert.False(other.TryGetProperty("NextToken", out _));

        // Listing another type still checks the other parameters.
        AssertVendorError(await ListAsync(project, ("TaskTypes", "[\"FileCompression\"]"), ("TagSelector", "env")), HttpStatusCode.BadRequest, "InvalidArgument", "TagSelector");
        AssertVendorError(await ListAsync(project, ("TaskTypes", "[\"FileCompression\"]"), ("NextToken", "forged")), HttpStatusCode.BadRequest, "InvalidArgument", "NextToken");
        AssertVendorError(await ListAsync(project, ("TaskTypes", "[\"FileCompression\"]"), ("StartTimeRange", "{\"End\":\"soon\"}")), HttpStatusCode.BadRequest, "InvalidArgument", "StartTimeRange");

        Assert.Equal(new[] { id }, await ListIdsAsync(project, ("TaskTypes", "[\"FileCompression\",\"FileUncompression\"]")));
        Assert.Equal(new[] { id }, await ListIdsAsync(project, ("TaskTypes", "[\"FileUncompression\"]"), ("MaxResults", "7")));
        Assert.Equal(new[] { id }, await ListIdsAsync(project, ("TaskTypes", "[]")));
        Assert.Equal("7", (await ListAsync(project, ("MaxResults", "7"))).EnsureOk("ListTasks").String("MaxResults"));
        AssertVendorError(await ListAsync(project, ("TaskTypes", "FileUncompression")), HttpStatusCode.BadRequest, "InvalidArgument", "TaskTypes");

        Assert.Equal(new[] { id }, await ListIdsAsync(project, ("Status", "Succeeded")));
        Assert.Empty(await ListIdsAsync(project, ("Status", "Failed")));
        Assert.Empty(await ListIdsAsync(project, ("Status", "Running")));
        AssertVendorError(await ListAsync(project, ("Status", "Done")), HttpStatusCode.BadRequest, "InvalidArgument", "Status");
    }

    [Fact]
    public async Task RequestDefinition_echoes_the_request_only_when_asked_and_never_the_password()
    {
        var project = await NewProjectAsync("def");
        var tree = _archives.Tree("def", files: 2, maxSize: 300, seed: 41);
        await silo.Bucket.UploadAsync($"{project}/locked.zip", _archives.Archive(tree, "zip-zipcrypto", Password));
        var target = $"{project}/out/";
        var id = await RunAsync(project, source: "locked.zip", target: target, password: Password, userData: "{\"job\":7}");

        foreach (var asked in new[] { "true", "True" })
        {
            var listed = await ListAsync(project, ("RequestDefinition", asked));
            var definition = Assert.Single(listed.EnsureOk("ListTasks").Body.GetProperty("Tasks").EnumerateArray()).GetProperty("TaskRequestDefinition").GetString()!;
            using var doc = JsonDocument.Parse(definition);
            Assert.Equal(project, doc.RootElement.GetProperty("ProjectName").GetString());
            Assert.Equal(silo.Bucket.Uri($"{project}/locked.zip"), doc.RootElement.GetProperty("SourceURI").GetString());
            Assert.Equal(silo.Bucket.Uri(target), doc.RootElement.GetProperty("TargetURI").GetString());
            Assert.Equal("{\"job\":7}", doc.RootElement.GetProperty("UserData").GetString());
            Assert.Equal("******", doc.RootElement.GetProperty("Password").GetString());
            Assert.DoesNotContain(Password, listed.Body.GetRawText(), StringComparison.Ordinal);
        }

        foreach (var filters in new (string, string)[][] { [("RequestDefinition", "false")], [] })
        {
            var listed = (await ListAsync(project, filters)).EnsureOk("ListTasks").Body;
            var item = Assert.Single(listed.GetProperty("Tasks").EnumerateArray());
            Assert.Equal(id, item.GetProperty("TaskId").GetString());
            Assert.False(item.TryGetProperty("TaskRequestDefinition", out var d) && d.ValueKind != JsonValueKind.Null, $"not asked for: {item}");
        }

        var got = await silo.Client.GetTaskAsync(project, id, withDefinition: true);
        Assert.Contains("******", got.EnsureOk("GetTask").String("TaskRequestDefinition"), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, got.Body.GetRawText(), StringComparison.Ordinal);
        AssertVendorError(await ListAsync(project, ("RequestDefinition", "yes")), HttpStatusCode.BadRequest, "InvalidArgument", "RequestDefinition");
    }

    [Fact]
    public async Task GetTask_in_another_project_or_of_another_type_is_ResourceNotFound()
    {
        var project = await NewProjectAsync("own");
        var stranger = await NewProjectAsync("oth");
        var id = await RunAsync(project);

        AssertVendorError(await silo.Client.GetTaskAsync(stranger, id), HttpStatusCode.NotFound, "ResourceNotFound", id);
        AssertVendorError(await silo.Client.GetTaskAsync("nosuch" + Guid.NewGuid().ToString("N")[..8], id), HttpStatusCode.NotFound, "ResourceNotFound", id);
        foreach (var type in new[] { "FileCompression", "fileuncompression", "ArchiveFileInspection" })
        {
            AssertVendorError(await GetTaskAsync(project, type, id), HttpStatusCode.NotFound, "ResourceNotFound", id);
        }

        AssertVendorError(await GetTaskAsync(project, ImmClient.TaskType, "FileUncompression-" + Guid.NewGuid()), HttpStatusCode.NotFound, "ResourceNotFound", "FileUncompression-");
        Assert.Empty(await ListIdsAsync(stranger));

        // The owner still reads it.
        TaskAssert.Succeeded((await GetTaskAsync(project, ImmClient.TaskType, id)).EnsureOk("GetTask").Body);
    }

    [Fact]
    public async Task CredentialConfig_object_is_accepted_and_kept_as_an_object_and_a_malformed_one_is_InvalidArgument()
    {
        var project = await NewProjectAsync("cred");
        const string credential =
            "{\"ServiceRole\":\"AliyunIMMDefaultRole\",\"Policy\":\"{\\\"Version\\\":\\\"1\\\"}\"," +
            "\"Chain\":[{\"AssumeRoleFor\":\"12345\",\"Role\":\"acs:ram::12345:role/imm\",\"RoleType\":\"user\"}]}";
        var id = await RunAsync(project, credentialConfig: credential);

        var definition = (await silo.Client.GetTaskAsync(project, id, withDefinition: true)).EnsureOk("GetTask").String("TaskRequestDefinition");
        using (var doc = JsonDocument.Parse(definition))
        {
            var echoed = doc.RootElement.GetProperty("CredentialConfig");
            Assert.Equal(JsonValueKind.Object, echoed.ValueKind);
            using var sent = JsonDocument.Parse(credential);
            Assert.Equal(Canonical(sent.RootElement), Canonical(echoed));
        }

        foreach (var bad in new[]
        {
            "{\"ServiceRole\":",
            "[\"AliyunIMMDefaultRole\"]",
            "\"AliyunIMMDefaultRole\"",
            "{\"Chain\":\"acs:ram::12345:role/imm\"}",
            "{\"Chain\":[\"acs:ram::12345:role/imm\"]}",
            "{\"ServiceRole\":42}",
        })
        {
            AssertVendorError(await CreateAsync(project, credentialConfig: bad), HttpStatusCode.BadRequest, "InvalidArgument", "CredentialConfig");
        }

        // Refused requests created nothing.
        Assert.Equal(new[] { id }, await ListIdsAsync(project));
    }

    [Fact]
    public async Task A_new_project_keeps_finished_tasks_for_the_default_seven_days()
    {
        var project = await NewProjectAsync("keep");
        var got = (await silo.Client.CallAsync("GetProject", new Dictionary<string, string> { ["ProjectName"] = project })).EnsureOk("GetProject").Body;

        // TaskRetentionSeconds is this system's extension of the reference's Project (which has no retention field).
        Assert.Equal((long)TimeSpan.FromDays(7).TotalSeconds, got.GetProperty("Project").GetProperty("TaskRetentionSeconds").GetInt64());
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>The vendor's error body: RequestId, HostId, Code, Message (naming <paramref name="mentions"/>), Recommend.</summary>
    private static void AssertVendorError(ApiResult result, HttpStatusCode status, string code, string mentions)
    {
        Assert.True(result.Status == status && result.Code == code, $"expected {(int)status} {code}, got {(int)result.Status} {result.Body}");
        Assert.Contains(mentions, result.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(result.Body.GetProperty("RequestId").GetString()));
        Assert.Equal(JsonValueKind.String, result.Body.GetProperty("HostId").ValueKind);
        Assert.Equal(JsonValueKind.String, result.Body.GetProperty("Recommend").ValueKind);
    }

    private static string Range(DateTimeOffset? start, DateTimeOffset? end) =>
        JsonSerializer.Serialize(new Dictionary<string, string?> { ["Start"] = Rfc3339(start), ["End"] = Rfc3339(end) });

    private static string? Rfc3339(DateTimeOffset? t) =>
        t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A JSON value with object properties sorted and strings re-escaped, for comparing content, not spelling.</summary>
    private static string Canonical(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(',', e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(',', e.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.String => JsonSerializer.Serialize(e.GetString()),
        _ => e.GetRawText(),
    };

    private static List<string> Ids(JsonElement list) =>
        [.. list.GetProperty("Tasks").EnumerateArray().Select(t => t.GetProperty("TaskId").GetString()!)];

    private async Task<string> NewProjectAsync(string prefix)
    {
        var project = "q" + prefix + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var tree = _archives.Tree(project, files: 2, maxSize: 300, seed: 17);
        await silo.Bucket.UploadAsync($"{project}/a.zip", _archives.Archive(tree, "zip"));
        return project;
    }

    private Task<ApiResult> ListAsync(string project, params (string Name, string Value)[] filters) =>
        silo.Client.ListTasksAsync(project, filters.ToDictionary(f => f.Name, f => f.Value));

    /// <summary>The listed TaskIds in the order listed (one page; the projects here hold few tasks).</summary>
    private async Task<List<string>> ListIdsAsync(string project, params (string Name, string Value)[] filters)
    {
        var page = (await ListAsync(project, filters)).EnsureOk("ListTasks").Body;
        Assert.False(page.TryGetProperty("NextToken", out _), $"one page expected: {page}");
        return Ids(page);
    }

    private Task<ApiResult> GetTaskAsync(string project, string taskType, string taskId) =>
        silo.Client.CallAsync("GetTask", new Dictionary<string, string> { ["ProjectName"] = project, ["TaskType"] = taskType, ["TaskId"] = taskId });

    private Task<ApiResult> CreateAsync(
        string project,
        string source = "a.zip",
        string? target = null,
        string? password = null,
        string? userData = null,
        IReadOnlyDictionary<string, string>? tags = null,
        string? credentialConfig = null) =>
        silo.Client.CreateTaskAsync(
            project, silo.Bucket.Uri($"{project}/{source}"), silo.Bucket.Uri(target ?? $"{project}/out/{Guid.NewGuid():N}/"),
            password: password, userData: userData, tags: tags, credentialConfig: credentialConfig);

    /// <summary>Creates a task and waits until it succeeded; returns its id.</summary>
    private async Task<string> RunAsync(
        string project,
        string source = "a.zip",
        string? target = null,
        string? password = null,
        string? userData = null,
        IReadOnlyDictionary<string, string>? tags = null,
        string? credentialConfig = null)
    {
        var id = (await CreateAsync(project, source, target, password, userData, tags, credentialConfig)).EnsureOk("CreateFileUncompressionTask").String("TaskId");
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));
        return id;
    }

    /// <summary>
    /// Runs tasks one after another (each created after the previous ended), so their starts and ends are strictly
    /// increasing in creation order.
    /// </summary>
    private async Task<List<RunTask>> RunSequentiallyAsync(string project, int count)
    {
        var tasks = new List<RunTask>();
        while (tasks.Count < count)
        {
            var id = (await CreateAsync(project)).EnsureOk("CreateFileUncompressionTask").String("TaskId");
            var view = await silo.Client.WaitForTaskAsync(project, id);
            TaskAssert.Succeeded(view);
            tasks.Add(new RunTask(id, TaskAssert.Rfc3339(view, "StartTime"), TaskAssert.Rfc3339(view, "EndTime")));
        }

        for (var i = 1; i < tasks.Count; i++)
        {
            Assert.True(tasks[i - 1].Start < tasks[i].Start && tasks[i - 1].End < tasks[i].End, $"tasks did not run one after another: {string.Join(", ", tasks)}");
        }

        return tasks;
    }

    private sealed record RunTask(string Id, DateTimeOffset Start, DateTimeOffset End);
}
