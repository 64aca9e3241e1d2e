using System.Text.Json;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The whole task lifecycle on one silo process, PostgreSQL and s3rver: CreateFileUncompressionTask → GetTask until
/// Succeeded (Progress 100, RFC 3339 times) → every object under the target hash-equals <c>bsdtar -xf</c> of the same
/// archive (only the selected entries when SelectedFiles is given) → ListTasks finds it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LifecycleTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private const string Password = "p@ss w0rd-9";
    private readonly ArchiveFactory _archives = new();

    public static TheoryData<string, string?, bool, bool> Cases => new()
    {
        // kind, password, selected files, explicit TargetURI
        { "zip", null, false, false },
        { "zip", null, true, true },
        { "zip-aes", Password, false, true },
        { "zip-zipcrypto", Password, true, false },
        { "7z", null, false, true },
        { "7z-solid", null, true, true },
        { "rar:rar5_multiple_files.rar", null, false, false },
        { "rar:rar_binary_data.rar", null, true, true },
        { "rar:rar5_solid.rar", null, false, true },
        { "rar:rar5_multiple_files_solid.rar", null, true, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Task_succeeds_and_outputs_equal_bsdtar(string kind, string? password, bool selected, bool explicitTarget)
    {
        var project = "life-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var (archive, expected) = Build(kind, password);
        var name = $"{project}/src/{Path.GetFileName(archive)}";
        await silo.Bucket.UploadAsync(name, archive);

        IReadOnlyList<string>? selection = null;
        if (selected)
        {
            // One file and (when there is one) a whole folder.
            var files = expected.Keys.ToList();
            var folder = files.Select(f => f.Split('/')).Where(p => p.Length > 1).Select(p => p[0]).FirstOrDefault();
            selection = folder is null ? [files[^1]] : [files.First(f => !f.StartsWith(folder + "/", StringComparison.Ordinal)), folder + "/"];
            expected = new SortedDictionary<string, string>(
                expected.Where(e => selection.Any(s => e.Key == s || (s.EndsWith('/') && e.Key.StartsWith(s, StringComparison.Ordinal)))).ToDictionary(),
                StringComparer.Ordinal);
            Assert.NotEmpty(expected);
        }

        // Without TargetURI the output goes beside the archive, in a folder named after it without extension.
        var targetPrefix = explicitTarget ? $"{project}/out/{kind.Replace(':', '-')}/" : name[..name.LastIndexOf('.')] + "/";
        var taskId = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri(name), explicitTarget ? silo.Bucket.Uri(targetPrefix) : null, selection, password);
        Assert.Matches("^FileUncompression-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", taskId);

        var task = await silo.Client.WaitForTaskAsync(project, taskId);
        TaskAssert.Succeeded(task);
        Assert.Equal(taskId, task.GetProperty("TaskId").GetString());
        Assert.Equal("FileUncompression", task.GetProperty("TaskType").GetString());
        Assert.Equal(project, task.GetProperty("ProjectName").GetString());

        Assert.Equal(expected, await silo.Bucket.HashesAsync(targetPrefix));

        // Nothing written anywhere else in the project's part of the bucket.
        var stray = (await silo.Bucket.KeysAsync(project + "/")).Where(k => !k.StartsWith(targetPrefix, StringComparison.Ordinal) && k != name).ToList();
        Assert.Empty(stray);

        var listed = (await silo.Client.ListTasksAsync(project)).EnsureOk("ListTasks");
        var item = Assert.Single(listed.Body.GetProperty("Tasks").EnumerateArray());
        Assert.Equal(taskId, item.GetProperty("TaskId").GetString());
        TaskAssert.Succeeded(item);

        // The definition echoes the request but never the password.
        var definition = (await silo.Client.GetTaskAsync(project, taskId, withDefinition: true)).EnsureOk("GetTask").String("TaskRequestDefinition");
        using var doc = JsonDocument.Parse(definition);
        Assert.Equal(silo.Bucket.Uri(name), doc.RootElement.GetProperty("SourceURI").GetString());
        Assert.Equal(silo.Bucket.Uri(targetPrefix), doc.RootElement.GetProperty("TargetURI").GetString());
        if (password is not null)
        {
            Assert.DoesNotContain(password, definition, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Encrypted 7z (AES) is decrypted with the task's Password (SharpCompress; libarchive cannot): the task succeeds
    /// with every file, never "succeeding" having written only the unencrypted entries. EncryptedArchiveTests has the rest.
    /// </summary>
    [Fact]
    public async Task Encrypted_7z_with_its_password_succeeds_with_every_file()
    {
        var project = "aes7z-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var tree = _archives.Tree("aes7", files: 5, maxSize: 1000, seed: 3);
        await silo.Bucket.UploadAsync($"{project}/a.7z", _archives.Archive(tree, "7z-aes", Password));

        var id = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/a.7z"), silo.Bucket.Uri($"{project}/out/"), password: Password);
        var task = await silo.Client.WaitForTaskAsync(project, id);

        TaskAssert.Succeeded(task);
        Assert.Equal(TreeHashes.Of(tree), await silo.Bucket.HashesAsync($"{project}/out/"));
    }

    [Fact]
    public async Task ListTasks_filters_sorts_and_pages_with_NextToken_only_while_more_remain()
    {
        var project = "list-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var tree = _archives.Tree("t", files: 3, maxSize: 1000, seed: 7);
        var zip = _archives.Archive(tree, "zip");
        var aes = _archives.Archive(tree, "zip-aes", Password);
        await silo.Bucket.UploadAsync($"{project}/a.zip", zip);
        await silo.Bucket.UploadAsync($"{project}/aes.zip", aes);

        // Four that succeed, two that fail (wrong password), started one after another so start times are ordered.
        var succeeded = new List<string>();
        var failed = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var bad = i is 1 or 4;
            var id = bad
                ? await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/aes.zip"), silo.Bucket.Uri($"{project}/o{i}/"), password: "wrong")
                : await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/a.zip"), silo.Bucket.Uri($"{project}/o{i}/"));
            var task = await silo.Client.WaitForTaskAsync(project, id);
            if (bad)
            {
                TaskAssert.Failed(task, "InvalidArchive.PasswordIncorrect");
                failed.Add(id);
            }
            else
            {
                TaskAssert.Succeeded(task);
                succeeded.Add(id);
            }

            await Task.Delay(20);
        }

        // Status filter.
        var onlyFailed = (await silo.Client.ListTasksAsync(project, new Dictionary<string, string> { ["Status"] = "Failed" })).EnsureOk("ListTasks");
        Assert.Equal(failed.Order(StringComparer.Ordinal), Ids(onlyFailed).Order(StringComparer.Ordinal));
        Assert.All(onlyFailed.Body.GetProperty("Tasks").EnumerateArray(), t => Assert.Equal("Failed", t.GetProperty("Status").GetString()));

        // Sort by StartTime, both orders.
        var asc = (await silo.Client.ListTasksAsync(project, new Dictionary<string, string> { ["Sort"] = "StartTime", ["Order"] = "ASC" })).EnsureOk("ListTasks");
        Assert.Equal([.. succeeded.Concat(failed).OrderBy(id => Start(asc, id))], Ids(asc));
        Assert.Equal(6, Ids(asc).Count);
        var starts = asc.Body.GetProperty("Tasks").EnumerateArray().Select(t => TaskAssert.Rfc3339(t, "StartTime")).ToList();
        Assert.Equal(starts.Order(), starts);
        var des = (await silo.Client.ListTasksAsync(project, new Dictionary<string, string> { ["Sort"] = "StartTime", ["Order"] = "DES" })).EnsureOk("ListTasks");
        Assert.Equal(Enumerable.Reverse(Ids(asc)), Ids(des));

        // Default sort (TaskId), descending.
        var byId = (await silo.Client.ListTasksAsync(project, new Dictionary<string, string> { ["Order"] = "DES" })).EnsureOk("ListTasks");
        Assert.Equal(succeeded.Concat(failed).OrderDescending(StringComparer.Ordinal), Ids(byId));

        // Paging: 4 succeeded tasks in pages of 2 → exactly two pages; MaxResults echoed as a string.
        var pages = new List<List<string>>();
        string? token = null;
        do
        {
            var filters = new Dictionary<string, string> { ["Status"] = "Succeeded", ["MaxResults"] = "2", ["Sort"] = "StartTime", ["Order"] = "ASC" };
            if (token is not null)
            {
                filters["NextToken"] = token;
            }

            var page = (await silo.Client.ListTasksAsync(project, filters)).EnsureOk("ListTasks page");
            Assert.Equal(JsonValueKind.String, page.Body.GetProperty("MaxResults").ValueKind);
            Assert.Equal("2", page.Body.GetProperty("MaxResults").GetString());
            pages.Add(Ids(page));
            token = page.Body.TryGetProperty("NextToken", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } s ? s : null;
            Assert.True(pages.Count <= 3, "paging did not stop");
        }
        while (token is not null);

        Assert.Equal([2, 2], pages.Select(p => p.Count));
        Assert.Equal(succeeded, pages.SelectMany(p => p));

        // A page that is not full has no token either.
        var three = (await silo.Client.ListTasksAsync(project, new Dictionary<string, string> { ["MaxResults"] = "4", ["Status"] = "Failed" })).EnsureOk("ListTasks");
        Assert.Equal(2, Ids(three).Count);
        Assert.True(!three.Body.TryGetProperty("NextToken", out var none) || none.ValueKind == JsonValueKind.Null || none.GetString() == "");
    }

    public void Dispose() => _archives.Dispose();

    private static List<string> Ids(ApiResult list) =>
        [.. list.Body.GetProperty("Tasks").EnumerateArray().Select(t => t.GetProperty("TaskId").GetString()!)];

    private static DateTimeOffset Start(ApiResult list, string id) =>
        TaskAssert.Rfc3339(list.Body.GetProperty("Tasks").EnumerateArray().Single(t => t.GetProperty("TaskId").GetString() == id), "StartTime");

    /// <summary>The archive for a case and what bsdtar extracts from it (which must be the source tree).</summary>
    private (string Archive, SortedDictionary<string, string> Expected) Build(string kind, string? password)
    {
        if (kind.StartsWith("rar:", StringComparison.Ordinal))
        {
            var rar = Path.Combine(TestEnvironment.Fixtures, "rar", kind[4..]);
            return (rar, TreeHashes.OfBsdtar(rar));
        }

        var tree = _archives.Tree("tree-" + kind, files: 40, maxSize: 60_000, seed: kind.Sum(c => c));
        var archive = _archives.Archive(tree, kind, password);
        var expected = TreeHashes.OfBsdtar(archive, password);
        Assert.Equal(TreeHashes.Of(tree), expected);
        return (archive, expected);
    }
}
