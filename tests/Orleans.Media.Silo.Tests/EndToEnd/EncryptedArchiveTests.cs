using System.Text.Json;
using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// Password-protected 7z and RAR through CreateFileUncompressionTask on a real silo (PostgreSQL + s3rver): with the
/// Password every file hash-equals its source; without one the task fails InvalidArchive.PasswordRequired, with a
/// wrong one InvalidArchive.PasswordIncorrect, and no object is written under the target either way. The detail file
/// gives each refused entry's reason.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EncryptedArchiveTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private const string Password = "p@ss w0rd-9 ü";
    private const string RarPassword = "test";

    // The three files every rar-encrypted fixture holds (SHA-256).
    private static readonly SortedDictionary<string, string> RarFiles = new(StringComparer.Ordinal)
    {
        ["exe/test.exe"] = "8557928804F57ECC340B3BB38B095A3607474EC8DEB0076F316FCFE02B562106",
        ["jpg/test.jpg"] = "B251C7501FB0F55DD4A92FEABE0A6F5733BC40A02679498155FAE9B30138FC53",
        ["тест.txt"] = "4D581D93D369F6E1C9B295FF38D82DABD577F927DFAF0C35818C015C85E322D9",
    };

    private readonly ArchiveFactory _archives = new();

    public static TheoryData<string> RarFixtures =>
        ["Rar.Encrypted.rar", "Rar.encrypted_filesAndHeader.rar", "Rar.encrypted_filesOnly.rar", "Rar5.encrypted_filesAndHeader.rar", "Rar5.encrypted_filesOnly.rar"];

    public static TheoryData<string> SevenZipSwitches =>
        ["-mhe=on -ms=on -m0=lzma2", "-mhe=off -ms=on -m0=lzma2", "-mhe=on -ms=off -m0=lzma2", "-mhe=off -ms=off -m0=lzma2", "-mhe=on -m0=copy", "-mhe=off -m0=copy"];

    [Theory]
    [MemberData(nameof(RarFixtures))]
    public async Task Encrypted_rar_extracts_hash_equal_with_its_password(string fixture)
    {
        var (project, source) = await UploadAsync(Path.Combine(TestEnvironment.Fixtures, "rar-encrypted", fixture));
        var target = $"{project}/out/";

        var id = await silo.Client.StartTaskAsync(project, silo.Bucket.Uri(source), silo.Bucket.Uri(target), password: RarPassword);

        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));
        Assert.Equal(RarFiles, await silo.Bucket.HashesAsync(target));
    }

    [Theory]
    [MemberData(nameof(SevenZipSwitches))]
    public async Task Encrypted_7z_extracts_hash_equal_to_its_source_tree(string switches)
    {
        var tree = _archives.Tree("t7-" + Guid.NewGuid().ToString("N")[..6], files: 30, maxSize: 80_000, seed: switches.Length);
        var (project, source) = await UploadAsync(SevenZip(tree, switches));
        var target = $"{project}/out/";
        var detailKey = $"{project}/detail.json";

        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri(source), silo.Bucket.Uri(target), password: Password,
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });

        TaskAssert.Succeeded(await silo.Client.WaitForTaskAsync(project, id));
        Assert.Equal(TreeHashes.Of(tree), await silo.Bucket.HashesAsync(target));
        var detail = await DetailAsync(detailKey);
        Assert.Equal("true", detail.GetProperty("IsEncryption").GetString());
        var items = detail.GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.All(items, i => Assert.Equal("", i.GetProperty("Reason").GetString()));
        var readme = Assert.Single(items, i => i.GetProperty("PathName").GetString() == "./readme.txt");
        Assert.Equal(new FileInfo(Path.Combine(tree, "readme.txt")).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), readme.GetProperty("UnPackedSize").GetString());
    }

    [Theory]
    [InlineData("7z:-mhe=on", "InvalidArchive.PasswordRequired", null)]
    [InlineData("7z:-mhe=off", "InvalidArchive.PasswordRequired", null)]
    [InlineData("7z:-mhe=on", "InvalidArchive.PasswordIncorrect", "wrong")]
    [InlineData("7z:-mhe=off", "InvalidArchive.PasswordIncorrect", "wrong")]
    [InlineData("rar:Rar.Encrypted.rar", "InvalidArchive.PasswordRequired", null)]
    [InlineData("rar:Rar.encrypted_filesOnly.rar", "InvalidArchive.PasswordRequired", null)]
    [InlineData("rar:Rar5.encrypted_filesAndHeader.rar", "InvalidArchive.PasswordRequired", null)]
    [InlineData("rar:Rar5.encrypted_filesOnly.rar", "InvalidArchive.PasswordRequired", null)]
    [InlineData("rar:Rar.Encrypted.rar", "InvalidArchive.PasswordIncorrect", "wrong")]
    [InlineData("rar:Rar.encrypted_filesOnly.rar", "InvalidArchive.PasswordIncorrect", "wrong")]
    [InlineData("rar:Rar5.encrypted_filesAndHeader.rar", "InvalidArchive.PasswordIncorrect", "wrong")]
    [InlineData("rar:Rar5.encrypted_filesOnly.rar", "InvalidArchive.PasswordIncorrect", "wrong")]
    public async Task Missing_or_wrong_password_fails_with_its_code_and_writes_nothing(string archive, string code, string? password)
    {
        string file;
        if (archive.StartsWith("rar:", StringComparison.Ordinal))
        {
            file = Path.Combine(TestEnvironment.Fixtures, "rar-encrypted", archive[4..]);
        }
        else
        {
            // No empty file: 7z stores one without an (encrypted) stream, and it would rightly be written.
            var tree = _archives.Tree("w7-" + Guid.NewGuid().ToString("N")[..6], files: 8, maxSize: 20_000, seed: 5);
            File.Delete(Path.Combine(tree, "empty.txt"));
            file = SevenZip(tree, archive[3..]);
        }

        var (project, source) = await UploadAsync(file);
        var target = $"{project}/out/";
        var detailKey = $"{project}/detail.json";

        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri(source), silo.Bucket.Uri(target), password: password,
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });

        var task = await silo.Client.WaitForTaskAsync(project, id);
        TaskAssert.Failed(task, code);
        var message = task.GetProperty("Message").GetString()!;
        Assert.Contains(password is null ? "Passphrase required" : "Incorrect pass", message, StringComparison.Ordinal);
        Assert.Empty(await silo.Bucket.KeysAsync(target));

        // The detail file names each refused file with the same reason; folders carry none.
        var detail = await DetailAsync(detailKey);
        Assert.Equal("true", detail.GetProperty("IsEncryption").GetString());
        foreach (var item in detail.GetProperty("ArchiveFiles").EnumerateArray().Where(i => i.GetProperty("IsFolder").GetString() == "false"))
        {
            Assert.Contains(password is null ? "no password" : "ncorrect pass", item.GetProperty("Reason").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("", item.GetProperty("URI").GetString());
        }
    }

    public void Dispose() => _archives.Dispose();

    private async Task<(string Project, string Key)> UploadAsync(string file)
    {
        var project = "enc-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Client.CreateProjectAsync(project);
        var key = $"{project}/src/{Path.GetFileName(file)}";
        await silo.Bucket.UploadAsync(key, file);
        return (project, key);
    }

    private string SevenZip(string tree, string switches)
    {
        var output = Path.Combine(_archives.Root, $"enc-{Guid.NewGuid():N}.7z");
        Tool.Run(tree, "7zz", ["a", "-bd", "-y", "-p" + Password, .. switches.Split(' '), output, "."]);
        return output;
    }

    private async Task<JsonElement> DetailAsync(string key)
    {
        using var doc = JsonDocument.Parse(await silo.Bucket.GetAsync(key));
        return doc.RootElement.Clone();
    }
}
