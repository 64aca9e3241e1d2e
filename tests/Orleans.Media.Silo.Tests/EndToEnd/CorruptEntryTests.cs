using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// IMM decompresses as a stream: "if an operation is aborted due to file corruption, the files that have already
/// been decompressed are not deleted". A zip whose third entry is damaged must end Failed with the corruption code
/// and a message naming that entry; the two entries before it stay under the target, whole; the damaged entry and
/// everything after it are never written. The detail file is written on failure too: it is the only place the
/// caller learns which objects the failed task left behind and which entry stopped it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CorruptEntryTests(PostgresSiloFixture silo) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private static readonly string[] Names = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"];
    private readonly ArchiveFactory _archives = new();

    /// <summary>
    /// deflate: 32 bytes of c.txt's compressed stream inverted (the decoder fails, or yields data whose CRC does not
    /// match). stored: one byte of c.txt's stored data changed, which only the CRC can catch.
    /// </summary>
    [Theory]
    [InlineData("deflate")]
    [InlineData("stored")]
    public async Task A_corrupt_entry_fails_the_task_by_name_and_keeps_only_the_entries_before_it(string method)
    {
        var project = "bad-" + method + Guid.NewGuid().ToString("N")[..6];
        await silo.Client.CreateProjectAsync(project);
        var (archive, sources) = BuildDamaged(method);

        await silo.Bucket.UploadAsync($"{project}/bad.zip", archive);
        var target = $"{project}/out/";
        var detailKey = $"{project}/detail.json";
        var id = await silo.Client.StartTaskAsync(
            project, silo.Bucket.Uri($"{project}/bad.zip"), silo.Bucket.Uri(target),
            notification: new { ExtendedMessageURI = silo.Bucket.Uri(detailKey) });
        var task = await silo.Client.WaitForTaskAsync(project, id);

        TaskAssert.Failed(task, "InvalidArchive.Corrupted");
        var message = task.GetProperty("Message").GetString()!;
        Assert.Contains("c.txt", message, StringComparison.Ordinal);
        Assert.DoesNotContain("d.txt", message, StringComparison.Ordinal);

        // Exactly the entries before the damage, each whole.
        var written = await silo.Bucket.HashesAsync(target);
        Assert.Equal(["a.txt", "b.txt"], written.Keys);
        Assert.Equal(TreeHashes.Hash(sources["a.txt"]), written["a.txt"]);
        Assert.Equal(TreeHashes.Hash(sources["b.txt"]), written["b.txt"]);
        Assert.Equal([$"{project}/bad.zip", detailKey, target + "a.txt", target + "b.txt"], (await silo.Bucket.KeysAsync(project + "/")).Order(StringComparer.Ordinal));

        // The detail file of the failed task: the written entries with their objects, the damaged one with its
        // reason and no object, and nothing for the entries never reached.
        using var detail = JsonDocument.Parse(await silo.Bucket.GetAsync(detailKey));
        Assert.Equal("false", detail.RootElement.GetProperty("IsEncryption").GetString());
        var files = detail.RootElement.GetProperty("ArchiveFiles").EnumerateArray().ToList();
        Assert.Equal(["./a.txt", "./b.txt", "./c.txt"], files.Select(f => f.GetProperty("PathName").GetString()));
        foreach (var (file, name) in files.Take(2).Zip(["a.txt", "b.txt"]))
        {
            Assert.Equal(silo.Bucket.Uri(target + name), file.GetProperty("URI").GetString());
            Assert.Equal("", file.GetProperty("Reason").GetString());
            Assert.Equal(sources[name].Length.ToString(System.Globalization.CultureInfo.InvariantCulture), file.GetProperty("UnPackedSize").GetString());
        }

        var damaged = files[2];
        Assert.Equal("", damaged.GetProperty("URI").GetString());
        var reason = damaged.GetProperty("Reason").GetString()!;
        Assert.False(string.IsNullOrEmpty(reason), $"the damaged entry has no reason: {detail.RootElement}");
        if (method == "stored")
        {
            // Only the checksum shows this damage: the reason says so (libarchive's warning is not read past).
            Assert.Contains("CRC", reason, StringComparison.Ordinal);
        }
        Assert.Equal("false", damaged.GetProperty("IsFolder").GetString());
    }

    public void Dispose() => _archives.Dispose();

    /// <summary>
    /// Five text files zipped in order with Info-ZIP (sizes in the local headers, no data descriptors), then c.txt's
    /// data damaged in place. bsdtar must agree the archive is damaged, so the test does not rest on our reader alone.
    /// </summary>
    private (string Archive, Dictionary<string, byte[]> Sources) BuildDamaged(string method)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_archives.Root, "src-" + method)).FullName;
        var random = new Random(42);
        string[] words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
        var sources = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            // Text deflate really codes (dynamic Huffman), large enough to span several 256 KB read chunks.
            var text = new StringBuilder();
            while (text.Length < 600_000)
            {
                text.Append(words[random.Next(words.Length)]).Append(random.Next(1000)).Append(random.Next(8) == 0 ? '\n' : ' ');
            }

            sources[name] = Encoding.ASCII.GetBytes(text.ToString());
            File.WriteAllBytes(Path.Combine(dir, name), sources[name]);
        }

        var archive = Path.Combine(_archives.Root, $"bad-{method}.zip");
        Tool.Run(dir, "zip", [.. (method == "stored" ? new[] { "-q", "-0" } : ["-q"]), archive, .. Names]);

        var bytes = File.ReadAllBytes(archive);
        var (start, length) = LocalData(bytes, "c.txt");
        var middle = start + (length / 2);
        if (method == "stored")
        {
            bytes[middle] = (byte)(bytes[middle] == (byte)'#' ? '%' : '#');
        }
        else
        {
            for (var i = 0; i < 32; i++)
            {
                bytes[middle + i] ^= 0xFF;
            }
        }

        File.WriteAllBytes(archive, bytes);
        var check = Directory.CreateTempSubdirectory("om-bsdtar-bad-").FullName;
        try
        {
            Assert.ThrowsAny<InvalidOperationException>(() => Tool.Run(check, "bsdtar", "-xf", archive, "-C", check));
        }
        finally
        {
            Directory.Delete(check, recursive: true);
        }

        return (archive, sources);
    }

    /// <summary>Where an entry's stored data lies, from its local header (offsets per APPNOTE 4.3.7).</summary>
    private static (int Start, int Length) LocalData(byte[] zip, string name)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        for (var o = 0; o + 30 < zip.Length; o++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(o)) != 0x04034b50)
            {
                continue;
            }

            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(o + 26));
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(o + 28));
            if (zip.AsSpan(o + 30, nameLength).SequenceEqual(nameBytes))
            {
                var packed = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(o + 18));
                Assert.True(packed > 64, $"{name} has no sizes in its local header");
                return (o + 30 + nameLength + extraLength, packed);
            }
        }

        throw new InvalidOperationException($"{name} not found in the zip");
    }
}
