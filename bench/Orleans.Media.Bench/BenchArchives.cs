using System.IO.Compression;
using System.Text;

namespace Orleans.Media.Bench;

/// <summary>The generated inputs the data-path benchmarks share (the 1 GB zip is the same file format for the
/// archives and tasks scenarios), made once under the scenario's bench folder and reused.</summary>
public static class BenchArchives
{
    /// <summary>~2,000 entries: half random bytes (stored), half text (deflated ~4:1); about 1 GB packed. Returns unpacked bytes.</summary>
    public static long EnsureBigZip(string path)
    {
        if (!File.Exists(path))
        {
            var corpus = TextCorpus(8 * 1024 * 1024);
            var rng = new Random(20261121);
            var tmp = path + ".tmp";
            using (var zip = ZipFile.Open(tmp, ZipArchiveMode.Create))
            {
                var random = new byte[2 * 1024 * 1024];
                for (var i = 0; i < 2_000; i++)
                {
                    var isText = i % 2 == 0;
                    var entry = zip.CreateEntry($"set{i % 20:00}/{(isText ? "doc" : "blob")}-{i:0000}.{(isText ? "txt" : "bin")}", isText ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                    using var s = entry.Open();
                    if (isText)
                    {
                        var size = rng.Next(600_000, 2_600_000);
                        var offset = rng.Next(0, corpus.Length - size);
                        s.Write(corpus, offset, size);
                    }
                    else
                    {
                        var size = rng.Next(200_000, 1_000_000);
                        rng.NextBytes(random.AsSpan(0, size));
                        s.Write(random, 0, size);
                    }
                }
            }

            File.Move(tmp, path);
        }

        using var read = ZipFile.OpenRead(path);
        return read.Entries.Sum(e => e.Length);
    }

    /// <summary>
    /// A solid LZMA2 7z (7zz -mx=1) of 10 text files and 10 random ones, 25 MB each (~330 MB packed), and the same
    /// encrypted with <paramref name="password"/> (AES-256, headers encrypted). Returns both paths and the unpacked bytes.
    /// </summary>
    public static (string Plain, string Aes, long Unpacked) EnsureSolidSevenZip(string folder, string password)
    {
        var plain = Path.Combine(folder, "solid.7z");
        var aes = Path.Combine(folder, "solid-aes.7z");
        var tree = Path.Combine(folder, "solid-tree");
        const int Size = 25 * 1000 * 1000;
        if (!File.Exists(plain) || !File.Exists(aes))
        {
            Directory.CreateDirectory(tree);
            var rng = new Random(7);
            var corpus = TextCorpus(64 * 1024 * 1024);
            var random = new byte[Size];
            for (var i = 0; i < 10; i++)
            {
                File.WriteAllBytes(Path.Combine(tree, $"text-{i:00}.txt"), corpus.AsSpan(rng.Next(0, corpus.Length - Size), Size).ToArray());
                rng.NextBytes(random);
                File.WriteAllBytes(Path.Combine(tree, $"blob-{i:00}.bin"), random);
            }

            foreach (var (path, extra) in new[] { (plain, Array.Empty<string>()), (aes, new[] { "-p" + password, "-mhe=on" }) })
            {
                File.Delete(path + ".tmp");
                Run(tree, "7zz", ["a", "-bd", "-y", "-t7z", "-ms=on", "-m0=lzma2", "-mx=1", .. extra, path + ".tmp", "."]);
                File.Move(path + ".tmp", path, overwrite: true);
            }

            Directory.Delete(tree, recursive: true);
        }

        return (plain, aes, 20L * Size);
    }

    private static void Run(string directory, string file, string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        _ = output.Result;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited {p.ExitCode}: {error}");
        }
    }

    /// <summary>Word salad: compresses about 3–4:1 with deflate, like ordinary documents.</summary>
    public static byte[] TextCorpus(int size)
    {
        string[] words = ["media", "archive", "orleans", "grain", "cluster", "silo", "object", "storage", "bucket", "video", "image", "stream", "decode", "upload", "the", "of", "and", "a", "to", "in", "is", "for", "on", "with"];
        var rng = new Random(11);
        var sb = new StringBuilder(size + 64);
        while (sb.Length < size)
        {
            sb.Append(words[rng.Next(words.Length)]);
            sb.Append(rng.Next(10) == 0 ? rng.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
            sb.Append(rng.Next(12) == 0 ? '\n' : ' ');
        }

        return Encoding.ASCII.GetBytes(sb.ToString(0, size));
    }
}
