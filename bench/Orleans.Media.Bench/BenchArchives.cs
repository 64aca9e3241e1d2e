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
