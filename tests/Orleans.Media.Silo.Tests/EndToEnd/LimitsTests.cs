using System.IO.Compression;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Admission limits, each refused with its own code before a single object is written under the target: more
/// entries than the project allows (80,001 against the default 80,000), an archive larger than the project's size
/// limit, and a source that is not an archive at all.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LimitsTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private readonly ArchiveFactory _archives = new();

    [Fact]
    public async Task Eighty_thousand_and_one_entries_fail_with_FileCount_and_write_nothing()
    {
        var project = "many" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = Path.Combine(_archives.Root, "many.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 80_001; i++)
            {
                zip.CreateEntry($"d{i / 1000:D3}/{i:D5}", CompressionLevel.NoCompression);
            }
        }

        await silo.Bucket.UploadAsync($"{project}/many.zip", archive);
        var target = $"{project}/out/";
        var created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/many.zip"), silo.Bucket.Uri(target));
        var message = await AssertRefusedAsync(project, created, "LimitExceeded.FileCount", target);
        Assert.Contains("80", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archive_over_the_project_size_limit_is_refused_at_creation()
    {
        var project = "small" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project, new Dictionary<string, string> { ["MaxZipRarBytes"] = "10000", ["Max7zBytes"] = "10000" });
        var tree = _archives.Tree("big", files: 4, maxSize: 20_000, seed: 11);
        foreach (var (kind, key) in new[] { ("zip", "big.zip"), ("7z", "big.7z") })
        {
            var archive = _archives.Archive(tree, kind);
            Assert.True(new FileInfo(archive).Length > 10_000);
            await silo.Bucket.UploadAsync($"{project}/{key}", archive);
            var target = $"{project}/out-{kind}/";
            var created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/{key}"), silo.Bucket.Uri(target));
            await AssertRefusedAsync(project, created, "LimitExceeded.ArchiveSize", target);
        }

        // RAR counts against the zip/RAR limit.
        var rar = Path.Combine(Orleans.Media.Testing.TestEnvironment.Fixtures, "rar", "rar_binary_data.rar");
        await silo.Bucket.UploadAsync($"{project}/big.rar", rar);
        var rarCreated = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/big.rar"), silo.Bucket.Uri($"{project}/out-rar/"));
        await AssertRefusedAsync(project, rarCreated, "LimitExceeded.ArchiveSize", $"{project}/out-rar/");
    }

    /// <summary>
    /// The two size limits apply each to its own formats. Sizes are measured from the archives of one tree, then:
    /// a project whose 7z limit is one byte under the 7z (and under the zip) but whose zip/RAR limit holds both
    /// refuses the 7z and accepts the zip; a project with the limits the other way round refuses the zip and accepts
    /// a 7z exactly at its limit (the limit is inclusive). Swapping the limits in the admission fails both halves.
    /// </summary>
    [Fact]
    public async Task Each_format_is_held_to_its_own_size_limit()
    {
        var tree = _archives.Tree("sized", files: 6, maxSize: 8_000, seed: 21);
        var zip = _archives.Archive(tree, "zip");
        var sevenZip = _archives.Archive(tree, "7z");
        var zipBytes = new FileInfo(zip).Length;
        var sevenBytes = new FileInfo(sevenZip).Length;
        Assert.True(zipBytes > sevenBytes, $"the zip ({zipBytes} B) must be larger than the 7z ({sevenBytes} B) for the limits to tell them apart");

        // 7z limit: just under the 7z (so also under the zip); zip/RAR limit: holds both.
        var tight7z = "lim7-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(tight7z, Limits(zipRar: zipBytes, sevenZip: sevenBytes - 1));
        await AssertSizeRefusedAsync(tight7z, sevenZip, "a.7z", sevenBytes, sevenBytes - 1);
        await AssertExtractedAsync(tight7z, zip, "a.zip", tree);

        // Zip/RAR limit: just under the zip; 7z limit: exactly the 7z and above the zip.
        var tightZip = "limz-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(tightZip, Limits(zipRar: zipBytes - 1, sevenZip: Math.Max(sevenBytes, zipBytes + 1)));
        await AssertSizeRefusedAsync(tightZip, zip, "a.zip", zipBytes, zipBytes - 1);
        var exact = "limx-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(exact, Limits(zipRar: zipBytes - 1, sevenZip: sevenBytes));
        await AssertExtractedAsync(exact, sevenZip, "a.7z", tree);
    }

    /// <summary>
    /// The file-count limit holds for 7z too, where the count needs a listing pass (7z keeps its directory at the
    /// end and the admission does not read it): 12 files under a limit of 11 fail with FileCount and write nothing;
    /// the same 7z under a limit of 12 is extracted whole.
    /// </summary>
    [Fact]
    public async Task A_7z_over_the_file_count_limit_fails_with_FileCount_and_one_at_the_limit_succeeds()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_archives.Root, "flat")).FullName;
        for (var i = 0; i < 12; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, $"f{i:D2}.txt"), $"file {i}\n");
        }

        var archive = _archives.Archive(dir, "7z");
        var over = "cnt11-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(over, new Dictionary<string, string> { ["MaxFilesPerArchive"] = "11" });
        await silo.Bucket.UploadAsync($"{over}/a.7z", archive);
        var created = await silo.Client.CreateTaskAsync(over, silo.Bucket.Uri($"{over}/a.7z"), silo.Bucket.Uri($"{over}/out/"));
        var message = await AssertRefusedAsync(over, created, "LimitExceeded.FileCount", $"{over}/out/");
        Assert.Contains("11", message, StringComparison.Ordinal);

        var at = "cnt12-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(at, new Dictionary<string, string> { ["MaxFilesPerArchive"] = "12" });
        await AssertExtractedAsync(at, archive, "a.7z", dir);
    }

    [Fact]
    public async Task A_text_file_and_a_tarball_are_unsupported_formats()
    {
        var project = "fmt" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var text = Path.Combine(_archives.Root, "notes.zip");
        await File.WriteAllTextAsync(text, "this is a text file named like an archive\n");
        var tree = _archives.Tree("tar", files: 3, maxSize: 100, seed: 5);
        var tar = Path.Combine(_archives.Root, "t.tar.gz");
        Tool.Run(tree, "bsdtar", "-czf", tar, ".");
        foreach (var (file, key) in new[] { (text, "notes.zip"), (tar, "t.tar.gz") })
        {
            await silo.Bucket.UploadAsync($"{project}/{key}", file);
            var target = $"{project}/out-{key}/";
            var created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/{key}"), silo.Bucket.Uri(target));
            await AssertRefusedAsync(project, created, "InvalidArchive.UnsupportedFormat", target);
        }
    }

    [Fact]
    public async Task A_missing_source_is_ResourceNotFound()
    {
        var project = "miss" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/nope.zip"), silo.Bucket.Uri($"{project}/out/"));
        Assert.False(created.Ok);
        Assert.Equal(404, (int)created.Status);
        Assert.Equal("ResourceNotFound", created.Code);
        Assert.Empty(await silo.Bucket.KeysAsync($"{project}/out/"));
    }

    /// <summary>
    /// A name that is only a folder (objects under "folder.zip/", none at "folder.zip") is as missing as no name at
    /// all, and an empty object is no archive: the source is opened once, and neither open nor read may pass for one.
    /// </summary>
    [Fact]
    public async Task A_folder_name_is_ResourceNotFound_and_an_empty_object_is_unsupported()
    {
        var project = "fold" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var inner = _archives.Archive(_archives.Tree("inner", files: 1, maxSize: 100, seed: 3), "zip");
        await silo.Bucket.UploadAsync($"{project}/folder.zip/inner.zip", inner);
        var created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/folder.zip"), silo.Bucket.Uri($"{project}/out/"));
        Assert.False(created.Ok);
        Assert.Equal(404, (int)created.Status);
        Assert.Equal("ResourceNotFound", created.Code);

        var empty = Path.Combine(_archives.Root, "empty.zip");
        await File.WriteAllBytesAsync(empty, []);
        await silo.Bucket.UploadAsync($"{project}/empty.zip", empty);
        var target = $"{project}/out-empty/";
        created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/empty.zip"), silo.Bucket.Uri(target));
        await AssertRefusedAsync(project, created, "InvalidArchive.UnsupportedFormat", target);
        Assert.Empty(await silo.Bucket.KeysAsync($"{project}/out/"));
    }

    /// <summary>
    /// A project's EngineConcurrency caps its running extractions cluster-wide: with 1, four tasks queued at once never
    /// run two at a time (sampled in the jobs table while they run), while a project allowing 4 does run several at
    /// once (so the sampling can see overlap); UpdateProject changes the cap and DeleteProject removes it.
    /// </summary>
    [Fact]
    public async Task EngineConcurrency_caps_running_extractions_of_the_project()
    {
        var serial = "one" + Guid.NewGuid().ToString("N")[..8];
        var parallel = "four" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(serial, new Dictionary<string, string> { ["EngineConcurrency"] = "1" });
        await silo.Client.CreateProjectAsync(parallel, new Dictionary<string, string> { ["EngineConcurrency"] = "4" });
        Assert.Equal(1, await PartitionLimitAsync(serial));
        Assert.Equal(4, await PartitionLimitAsync(parallel));

        // Enough entries that one extraction to s3rver takes a while: overlap is visible when it is allowed.
        var archive = _archives.Archive(_archives.Tree("slow", files: 150, maxSize: 2_000, seed: 3), "zip-stored");
        var maxRunning = new Dictionary<string, long>();
        foreach (var project in new[] { serial, parallel })
        {
            await silo.Bucket.UploadAsync($"{project}/slow.zip", archive);
            var ids = new List<string>();
            for (var i = 0; i < 4; i++)
            {
                ids.Add(await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/slow.zip"), silo.Bucket.Uri($"{project}/out{i}/")));
            }

            maxRunning[project] = await MaxRunningUntilIdleAsync(project);
            foreach (var id in ids)
            {
                TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));
            }
        }

        Assert.Equal(1, maxRunning[serial]);
        Assert.True(maxRunning[parallel] >= 2, $"a project allowing 4 ran at most {maxRunning[parallel]} extraction(s) at once");

        var update = await silo.Client.CallAsync("UpdateProject", new Dictionary<string, string> { ["ProjectName"] = serial, ["EngineConcurrency"] = "3" });
        Assert.True(update.Ok, update.Message);
        Assert.Equal(3, await PartitionLimitAsync(serial));
        var delete = await silo.Client.CallAsync("DeleteProject", new Dictionary<string, string> { ["ProjectName"] = serial });
        Assert.True(delete.Ok, delete.Message);
        Assert.Null(await PartitionLimitAsync(serial));
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>The project's EngineConcurrency as GetProject reports it; null once the project is gone.</summary>
    private async Task<int?> PartitionLimitAsync(string project)
    {
        var get = await silo.Client.CallAsync("GetProject", new Dictionary<string, string> { ["ProjectName"] = project });
        return get.Ok ? int.Parse(get.Body.GetProperty("Project").GetProperty("EngineConcurrency").ToString(), System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Samples the project's running extractions (tasks holding an engine slot, from the task index) every few
    /// milliseconds until none is queued or running.</summary>
    private async Task<long> MaxRunningUntilIdleAsync(string project)
    {
        long max = 0;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var (running, unfinished) = await StoredTasks.PhasesAsync(silo.Database.ConnectionString, project);
            max = Math.Max(max, running);
            if (unfinished == 0)
            {
                return max;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"The extractions of {project} did not end within 2 minutes.");
    }

    private static Dictionary<string, string> Limits(long zipRar, long sevenZip) => new()
    {
        ["MaxZipRarBytes"] = zipRar.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Max7zBytes"] = sevenZip.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Refused at creation with the size code and a message giving the archive's size and the limit; nothing written.</summary>
    private async Task AssertSizeRefusedAsync(string project, string archive, string key, long size, long limit)
    {
        await silo.Bucket.UploadAsync($"{project}/{key}", archive);
        var target = $"{project}/out-{key}/";
        var created = await silo.Client.CreateTaskAsync(project, silo.Bucket.Uri($"{project}/{key}"), silo.Bucket.Uri(target));
        Assert.False(created.Ok, $"{key} of {size} B was accepted under a limit of {limit} B");
        Assert.Equal(400, (int)created.Status);
        Assert.Equal("LimitExceeded.ArchiveSize", created.Code);
        Assert.Contains(size.ToString(System.Globalization.CultureInfo.InvariantCulture), created.Message, StringComparison.Ordinal);
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), created.Message, StringComparison.Ordinal);
        Assert.Empty(await silo.Bucket.KeysAsync(target));
    }

    /// <summary>Accepted, Succeeded, and the target holds exactly the tree.</summary>
    private async Task AssertExtractedAsync(string project, string archive, string key, string tree)
    {
        await silo.Bucket.UploadAsync($"{project}/{key}", archive);
        var target = $"{project}/out-{key}/";
        var id = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri($"{project}/{key}"), silo.Bucket.Uri(target));
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));
        Assert.Equal(TreeHashes.Of(tree), await silo.Bucket.HashesAsync(target));
    }

    /// <summary>
    /// Refused either at creation (400 with the code) or, when the check needs the archive's directory, by the task
    /// (Failed with the code); either way nothing exists under the target. Returns the message.
    /// </summary>
    private async Task<string> AssertRefusedAsync(string project, ApiResult created, string code, string target)
    {
        string message;
        if (created.Ok)
        {
            var task = await silo.Client.WaitForTaskAsync(project, created.String("TaskId"));
            TaskAssert.Failed(task, code);
            message = task.GetProperty("Message").GetString() ?? "";
        }
        else
        {
            Assert.Equal(400, (int)created.Status);
            Assert.Equal(code, created.Code);
            message = created.Message ?? "";
        }

        Assert.Empty(await silo.Bucket.KeysAsync(target));
        return message;
    }
}
