using System.IO.Compression;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Hostile archives through the whole product: zip slip, absolute names and symlinks that escape. The task and its
/// detail file (Notification.ExtendedMessageURI) name each refused entry with its reason; the safe entries are
/// written; nothing lands outside the target prefix.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AdversarialTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private readonly ArchiveFactory _archives = new();

    [Fact]
    public async Task Slip_absolute_and_escaping_links_are_refused_by_name_and_nothing_leaves_the_target()
    {
        var project = "adv" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);

        // Symlinks made on disk and stored as links (zip -y); the traversal names are added afterwards, since no
        // file system lets them be made honestly.
        var src = Directory.CreateDirectory(Path.Combine(_archives.Root, "adv")).FullName;
        await File.WriteAllTextAsync(Path.Combine(src, "ok.txt"), "ok");
        Directory.CreateDirectory(Path.Combine(src, "dir"));
        await File.WriteAllTextAsync(Path.Combine(src, "dir", "fine.txt"), "fine");
        File.CreateSymbolicLink(Path.Combine(src, "esc-rel"), "../../../../outside.txt");
        File.CreateSymbolicLink(Path.Combine(src, "esc-abs"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(src, "esc-dir"), "../elsewhere");
        var archive = Path.Combine(_archives.Root, "adv.zip");
        Tool.Run(src, "zip", "-q", "-r", "-y", archive, ".");
        string[] slips = ["../evil.txt", "a/../../evil2.txt", "/tmp/om-e2e-abs-evil.txt", "..\\..\\evil3.txt"];
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Update))
        {
            foreach (var name in slips.Append("esc-dir/pwned.txt"))
            {
                await using var s = zip.CreateEntry(name).Open();
                await s.WriteAsync("payload"u8.ToArray());
            }
        }

        await silo.Bucket.UploadAsync($"{project}/adv.zip", archive);
        var target = $"{project}/out/";
        var detailKey = $"{project}/detail/adv.json";
        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri($"{project}/adv.zip"), silo.Bucket.Uri(target),
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });
        var task = await silo.Client.WaitForTaskAsync(project, id);

        // The safe entries are the task's output; the hostile ones are refused, not fatal.
        TaskAssert.Succeeded(task);
        var written = await silo.Bucket.HashesAsync(target);
        Assert.Equal(["dir/fine.txt", "esc-dir/pwned.txt", "ok.txt"], written.Keys);
        Assert.Equal(TreeHashes.Hash("ok"u8.ToArray()), written["ok.txt"]);

        // Nothing anywhere in the bucket but the archive, the detail file and the target's objects.
        var keys = await silo.Bucket.KeysAsync("");
        var mine = keys.Where(k => k.StartsWith(project + "/", StringComparison.Ordinal)).ToList();
        Assert.All(mine, k => Assert.True(k.StartsWith(target, StringComparison.Ordinal) || k == $"{project}/adv.zip" || k == detailKey, $"object outside the target: {k}"));
        Assert.DoesNotContain(keys, k => k.Contains("evil", StringComparison.Ordinal) || k.StartsWith("tmp/", StringComparison.Ordinal) || k.Contains("outside", StringComparison.Ordinal) || k.Contains("elsewhere", StringComparison.Ordinal));
        Assert.False(File.Exists("/tmp/om-e2e-abs-evil.txt"));

        // The detail file: the vendor's shape, every value a string, each refused entry with its reason.
        using var detail = JsonDocument.Parse(await silo.Bucket.GetAsync(detailKey));
        var root = detail.RootElement;
        Assert.Equal(JsonValueKind.String, root.GetProperty("Password").ValueKind);
        Assert.Equal("false", root.GetProperty("IsEncryption").GetString());
        var files = root.GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.All(files, f =>
        {
            foreach (var field in new[] { "URI", "PathName", "Reason", "IsFolder", "PackedSize", "UnPackedSize", "FileAccessTime" })
            {
                Assert.Equal(JsonValueKind.String, f.GetProperty(field).ValueKind);
            }
        });
        // Windows separators are read as '/', so "..\\..\\evil3.txt" is reported as "../../evil3.txt".
        var refusedNames = slips.Select(n => n.Replace('\\', '/')).Concat(["esc-rel", "esc-abs", "esc-dir"]).ToList();
        var message = task.GetProperty("Message").GetString() ?? "";
        foreach (var name in refusedNames)
        {
            var matches = files.Where(f => PathName(f) == name).ToList();
            Assert.True(matches.Count == 1, $"{name} is not named once in the detail file: {root}");
            var item = matches[0];
            var reason = item.GetProperty("Reason").GetString()!;
            Assert.False(string.IsNullOrEmpty(reason), $"{name} has no reason");
            Assert.Equal("false", item.GetProperty("IsFolder").GetString());
            Assert.Equal("", item.GetProperty("URI").GetString()); // never written, so no address

            // The task's own result names it too, with the same reason.
            Assert.Contains($"{PathName(item)}: {reason}", message, StringComparison.Ordinal);
        }

        // Written entries point at their objects and carry no reason.
        foreach (var name in written.Keys)
        {
            var item = Assert.Single(files, f => PathName(f) == name && f.GetProperty("Reason").GetString() == "");
            Assert.Equal("", item.GetProperty("Reason").GetString());
            Assert.Equal(silo.Bucket.Uri(target + name), item.GetProperty("URI").GetString());
        }
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>The detail file's PathName is "./" + the entry's name, as the vendor writes it.</summary>
    private static string PathName(JsonElement item)
    {
        var path = item.GetProperty("PathName").GetString()!;
        return path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;
    }
}
