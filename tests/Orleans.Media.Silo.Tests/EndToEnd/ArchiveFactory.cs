namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>Builds source trees and archives of them with the real tools (zip, 7zz, bsdtar) in a temp folder.</summary>
public sealed class ArchiveFactory : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("om-e2e-arch-").FullName;

    /// <summary>A tree of <paramref name="files"/> files (random bytes, sizes up to <paramref name="maxSize"/>) in nested folders, plus an empty file and a text file.</summary>
    public string Tree(string name, int files, int maxSize, int seed)
    {
        var dir = Path.Combine(Root, name);
        var random = new Random(seed);
        for (var i = 0; i < files; i++)
        {
            var sub = Path.Combine(dir, $"d{i % 4}", i % 3 == 0 ? $"e{i % 5}" : "");
            Directory.CreateDirectory(sub);
            var data = new byte[random.Next(1, maxSize + 1)];
            random.NextBytes(data);
            File.WriteAllBytes(Path.Combine(sub, $"f{i:D4}.bin"), data);
        }

        File.WriteAllBytes(Path.Combine(dir, "empty.txt"), []);
        File.WriteAllText(Path.Combine(dir, "readme.txt"), string.Concat(Enumerable.Repeat("compressible text line\n", 2000)));
        return dir;
    }

    /// <summary>
    /// An archive of <paramref name="tree"/>: kind zip, zip-zipcrypto, zip-aes, 7z, 7z-solid, 7z-aes.
    /// </summary>
    public string Archive(string tree, string kind, string? password = null)
    {
        var output = Path.Combine(Root, $"{Path.GetFileName(tree)}-{kind}-{Guid.NewGuid().ToString("N")[..6]}.{(kind.StartsWith("7z", StringComparison.Ordinal) ? "7z" : "zip")}");
        switch (kind)
        {
            case "zip":
                Tool.Run(tree, "zip", "-q", "-r", output, ".");
                break;
            case "zip-stored":
                Tool.Run(tree, "zip", "-q", "-r", "-0", output, ".");
                break;
            case "zip-zipcrypto":
                Tool.Run(tree, "zip", "-q", "-r", "-P", password!, output, ".");
                break;
            case "zip-aes":
                Tool.Run(tree, "7zz", "a", "-bd", "-y", "-tzip", "-mem=AES256", "-p" + password, output, ".");
                break;
            case "7z":
                Tool.Run(tree, "7zz", "a", "-bd", "-y", "-ms=off", output, ".");
                break;
            case "7z-solid":
                Tool.Run(tree, "7zz", "a", "-bd", "-y", "-ms=on", output, ".");
                break;
            case "7z-aes":
                Tool.Run(tree, "7zz", "a", "-bd", "-y", "-p" + password, output, ".");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        return output;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
