using System.Text;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>Source folders with the shapes the must-show list names: text, binary, unicode names, empty dirs, links.</summary>
internal static class SampleTrees
{
    public static string Create(string parent, string name = "tree", bool links = false)
    {
        var root = Path.Combine(parent, name);
        Directory.CreateDirectory(root);
        var rng = new Random(42);
        File.WriteAllText(Path.Combine(root, "readme.txt"), string.Concat(Enumerable.Repeat("hello archive world\n", 500)));
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        var bytes = new byte[300_000];
        rng.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(root, "bin", "random.bin"), bytes);
        File.WriteAllBytes(Path.Combine(root, "bin", "zero-length.dat"), []);
        Directory.CreateDirectory(Path.Combine(root, "empty", "deeper-empty"));
        Directory.CreateDirectory(Path.Combine(root, "ünïcødé", "日本語"));
        File.WriteAllText(Path.Combine(root, "ünïcødé", "日本語", "ファイル.txt"), "unicode content ✓", Encoding.UTF8);
        File.WriteAllText(Path.Combine(root, "emoji 👋🌎.txt"), "emoji", Encoding.UTF8);
        var text = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            text.Append("line ").Append(i).Append(" of a compressible text file\n");
        }

        File.WriteAllText(Path.Combine(root, "bin", "big.txt"), text.ToString());
        if (links)
        {
            File.CreateSymbolicLink(Path.Combine(root, "link-to-readme.txt"), "readme.txt");
            File.CreateSymbolicLink(Path.Combine(root, "bin", "up-link.txt"), "../readme.txt");
            File.CreateSymbolicLink(Path.Combine(root, "chain.txt"), "link-to-readme.txt");
            Directory.CreateSymbolicLink(Path.Combine(root, "dir-link"), "bin");
        }

        return root;
    }
}
