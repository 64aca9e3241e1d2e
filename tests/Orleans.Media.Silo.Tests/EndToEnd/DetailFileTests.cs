using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The detail file a task writes to <c>Notification.ExtendedMessageURI</c>, field by field against the vendor's
/// documented shape (seed 000, API.md): <c>{Password, IsEncryption, ArchiveFiles:[{URI, PathName, Reason, IsFolder,
/// PackedSize, UnPackedSize, FileAccessTime}]}</c>, every value a string. The vendor documents Password as "the
/// password of the compressed package", so the request's password is echoed there (only there: the task's
/// TaskRequestDefinition never shows it). Sizes are checked against the archive's own directory as an independent
/// reader lists it (System.IO.Compression for zip, <c>7zz l -slt</c> for 7z, a header walk for RAR), and times against mtimes set on the
/// source tree before archiving.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DetailFileTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private const string Password = "p@ss w0rd-9";

    /// <summary>The vendor's example time; an even second, so a zip's 2-second DOS time holds it exactly too.</summary>
    private static readonly DateTime Stamp = new(2023, 7, 21, 9, 46, 34, DateTimeKind.Utc);

    private static readonly string[] Fields = ["URI", "PathName", "Reason", "IsFolder", "PackedSize", "UnPackedSize", "FileAccessTime"];

    private readonly ArchiveFactory _archives = new();

    /// <summary>
    /// An encrypted zip with nested and empty folders, opened with its password: IsEncryption "true", the password
    /// echoed, one item per zip entry in archive order, folders with IsFolder "true" and their prefix as URI, each
    /// file's PackedSize/UnPackedSize equal to the central directory's compressed/uncompressed sizes, and every
    /// FileAccessTime the entry's mtime as "yyyy-MM-ddTHH:mm:ssZ".
    /// </summary>
    [Theory]
    [InlineData("zip-zipcrypto")]
    [InlineData("zip-aes")]
    public async Task Encrypted_zip_with_folders_reports_each_entry_with_the_archives_sizes_and_times(string kind)
    {
        var project = "det-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = _archives.Archive(StampedTree(kind), kind, Password);
        var expected = ZipDirectory(archive);
        Assert.Contains(expected, e => e.IsFolder);
        Assert.Contains(expected, e => !e.IsFolder && e.Packed != e.Unpacked);

        await silo.Bucket.UploadAsync($"{project}/a.zip", archive);
        var target = $"{project}/out/";
        var detailKey = $"{project}/detail/a.json";
        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri($"{project}/a.zip"), silo.Bucket.Uri(target), password: Password,
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));

        var root = await DetailAsync(detailKey);
        Assert.Equal(Password, root.GetProperty("Password").GetString());
        Assert.Equal("true", root.GetProperty("IsEncryption").GetString());
        var items = root.GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => "./" + e.Name.TrimEnd('/')), items.Select(i => i.GetProperty("PathName").GetString()));
        var written = await silo.Bucket.HashesAsync(target);
        foreach (var (item, entry) in items.Zip(expected))
        {
            var name = entry.Name.TrimEnd('/');
            Assert.Equal("", item.GetProperty("Reason").GetString());
            Assert.Equal(entry.IsFolder ? "true" : "false", item.GetProperty("IsFolder").GetString());
            Assert.Equal(silo.Bucket.Uri(target + name + (entry.IsFolder ? "/" : "")), item.GetProperty("URI").GetString());
            Assert.Equal(Invariant(entry.IsFolder ? 0 : entry.Packed), item.GetProperty("PackedSize").GetString());
            Assert.Equal(Invariant(entry.IsFolder ? 0 : entry.Unpacked), item.GetProperty("UnPackedSize").GetString());
            Assert.Equal("2023-07-21T09:46:34Z", item.GetProperty("FileAccessTime").GetString());
            if (!entry.IsFolder)
            {
                Assert.True(written.ContainsKey(name), $"{name} is reported written but has no object");
            }
        }

        Assert.Equal(expected.Count(e => !e.IsFolder), written.Count);
    }

    /// <summary>
    /// A 7z keeps its directory in a (compressed) header at its end; the detail file's sizes must still be the
    /// archive's own, as <c>7zz l -slt</c> lists them: each file's Size, and Packed Size counted on the first file
    /// of each compressed block (0 for the other files of a solid block, for folders and for empty files).
    /// </summary>
    [Theory]
    [InlineData("7z")]
    [InlineData("7z-solid")]
    public async Task A_7z_reports_the_sizes_7zip_lists(string kind)
    {
        var project = "det7-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = _archives.Archive(StampedTree(kind), kind);
        var expected = SevenZipListing(archive);
        Assert.Contains(expected, e => e.IsFolder);
        Assert.Contains(expected, e => !e.IsFolder && e.Packed > 0 && e.Packed != e.Unpacked);

        await silo.Bucket.UploadAsync($"{project}/a.7z", archive);
        var target = $"{project}/out/";
        var detailKey = $"{project}/detail.json";
        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri($"{project}/a.7z"), silo.Bucket.Uri(target),
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));

        var root = await DetailAsync(detailKey);
        Assert.Equal("", root.GetProperty("Password").GetString());
        Assert.Equal("false", root.GetProperty("IsEncryption").GetString());
        var items = root.GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => "./" + e.Name), items.Select(i => i.GetProperty("PathName").GetString()));
        foreach (var (item, entry) in items.Zip(expected))
        {
            Assert.Equal(entry.IsFolder ? "true" : "false", item.GetProperty("IsFolder").GetString());
            Assert.True(Invariant(entry.Packed) == item.GetProperty("PackedSize").GetString(), $"{entry.Name}: PackedSize {item.GetProperty("PackedSize")}, 7-Zip lists {entry.Packed}");
            Assert.Equal(Invariant(entry.Unpacked), item.GetProperty("UnPackedSize").GetString());
            Assert.Equal("2023-07-21T09:46:34Z", item.GetProperty("FileAccessTime").GetString());
        }

        Assert.Equal(expected.Where(e => e.Packed > 0).Sum(e => e.Packed), items.Sum(i => long.Parse(i.GetProperty("PackedSize").GetString()!, CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// RAR stores each file's data right after its header: PackedSize is that data's size as the file header
    /// declares it (solid or not, RAR 4 or 5), not the span up to the next header.
    /// </summary>
    [Theory]
    [InlineData("rar5_multiple_files.rar")]
    [InlineData("rar5_solid.rar")]
    [InlineData("rar_binary_data.rar")]
    public async Task A_rar_reports_each_files_packed_data_size(string fixture)
    {
        var project = "detr-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = Path.Combine(Orleans.Media.Testing.TestEnvironment.Fixtures, "rar", fixture);
        var expected = RarHeaders.Files(archive);
        Assert.True(expected.Count >= 2, $"{fixture}: {expected.Count} file headers");

        await silo.Bucket.UploadAsync($"{project}/a.rar", archive);
        var detailKey = $"{project}/detail.json";
        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri($"{project}/a.rar"), silo.Bucket.Uri($"{project}/out/"),
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });
        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));

        var items = (await DetailAsync(detailKey)).GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => "./" + e.Name), items.Select(i => i.GetProperty("PathName").GetString()));
        foreach (var (item, entry) in items.Zip(expected))
        {
            Assert.True(Invariant(entry.Packed) == item.GetProperty("PackedSize").GetString(), $"{entry.Name}: PackedSize {item.GetProperty("PackedSize")}, its header says {entry.Packed}");
            Assert.Equal(Invariant(entry.Unpacked), item.GetProperty("UnPackedSize").GetString());
        }
    }

    /// <summary>
    /// A wrong password fails the task, and the detail file is still written: IsEncryption "true", the password as
    /// given, and every file refused with a reason and no URI (nothing was written). Folders carry no data to
    /// decrypt and are reported as they are.
    /// </summary>
    [Fact]
    public async Task A_wrong_password_still_writes_the_detail_file_with_each_file_refused()
    {
        var project = "detw-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var archive = _archives.Archive(StampedTree("wrong"), "zip-aes", Password);
        var expected = ZipDirectory(archive);

        await silo.Bucket.UploadAsync($"{project}/a.zip", archive);
        var detailKey = $"{project}/detail.json";
        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri($"{project}/a.zip"), silo.Bucket.Uri($"{project}/out/"), password: "not-it",
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });
        TaskAssert.Failed(await silo.Client.WaitForTaskAsync(project, id), "InvalidArchive.PasswordIncorrect");

        var root = await DetailAsync(detailKey);
        Assert.Equal("not-it", root.GetProperty("Password").GetString());
        Assert.Equal("true", root.GetProperty("IsEncryption").GetString());
        var items = root.GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => "./" + e.Name.TrimEnd('/')), items.Select(i => i.GetProperty("PathName").GetString()));
        foreach (var (item, entry) in items.Zip(expected).Where(p => !p.Second.IsFolder))
        {
            Assert.Contains("passphrase", item.GetProperty("Reason").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("", item.GetProperty("URI").GetString());
            Assert.Equal(Invariant(entry.Unpacked), item.GetProperty("UnPackedSize").GetString());
        }

        Assert.Empty(await silo.Bucket.KeysAsync($"{project}/out/"));
    }

    public void Dispose() => _archives.Dispose();

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses the detail file and checks the shape every detail file has: all values strings.</summary>
    private async Task<JsonElement> DetailAsync(string key)
    {
        using var doc = JsonDocument.Parse(await silo.Bucket.GetAsync(key));
        var root = doc.RootElement.Clone();
        Assert.Equal(["Password", "IsEncryption", "ArchiveFiles"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, root.GetProperty("Password").ValueKind);
        Assert.Equal(JsonValueKind.String, root.GetProperty("IsEncryption").ValueKind);
        foreach (var item in root.GetProperty("ArchiveFiles").EnumerateArray())
        {
            Assert.Equal(Fields, item.EnumerateObject().Select(p => p.Name));
            Assert.All(item.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        }

        return root;
    }

    /// <summary>Files at the root and two levels down, an empty folder, every file and folder dated <see cref="Stamp"/>.</summary>
    private string StampedTree(string name)
    {
        var dir = Path.Combine(_archives.Root, "stamped-" + name);
        var random = new Random(9);
        foreach (var file in new[] { "top.txt", "d0/a.bin", "d0/e1/b.txt", "d0/e1/c.bin", "d2/z.txt" })
        {
            var path = Path.Combine(dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var data = new byte[random.Next(2_000, 40_000)];
            if (file.EndsWith(".txt", StringComparison.Ordinal))
            {
                Array.Fill(data, (byte)'t'); // compresses, so packed and unpacked sizes differ
            }
            else
            {
                random.NextBytes(data);
            }

            File.WriteAllBytes(path, data);
        }

        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        foreach (var path in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).OrderByDescending(p => p.Length))
        {
            if (File.Exists(path))
            {
                File.SetLastWriteTimeUtc(path, Stamp);
            }
            else
            {
                Directory.SetLastWriteTimeUtc(path, Stamp);
            }
        }

        return dir;
    }

    /// <summary>Path, folder flag, Packed Size (blank read as 0) and Size of each entry, as <c>7zz l -slt</c> lists them.</summary>
    private static List<(string Name, bool IsFolder, long Packed, long Unpacked)> SevenZipListing(string archive)
    {
        var start = new System.Diagnostics.ProcessStartInfo("7zz") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "l", "-slt", archive })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        var result = new List<(string, bool, long, long)>();
        var blocks = text[(text.IndexOf("----------", StringComparison.Ordinal) + 10)..].Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        foreach (var block in blocks)
        {
            var fields = block.Split('\n').Select(l => l.Split(" = ", 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
            if (!fields.TryGetValue("Path", out var path))
            {
                continue;
            }

            long Number(string key) => fields.TryGetValue(key, out var v) && v.Length > 0 ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
            // 7z listings give no "Folder" line; the attributes start with D for a folder.
            var isFolder = fields.GetValueOrDefault("Attributes", "").StartsWith('D') || fields.GetValueOrDefault("Folder") == "+";
            result.Add((path, isFolder, Number("Packed Size"), Number("Size")));
        }

        return result;
    }

    /// <summary>The zip's central directory as System.IO.Compression reads it (it lists encrypted zips too).</summary>
    private static List<(string Name, bool IsFolder, long Packed, long Unpacked)> ZipDirectory(string archive)
    {
        using var zip = ZipFile.OpenRead(archive);
        return [.. zip.Entries.Select(e => (e.FullName, e.FullName.EndsWith('/'), e.CompressedLength, e.Length))];
    }
}
