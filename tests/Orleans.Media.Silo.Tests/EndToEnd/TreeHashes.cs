using System.Security.Cryptography;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>Regular files of a folder as relative path (with '/') → SHA-256 hex, the shape object listings are compared in.</summary>
public static class TreeHashes
{
    public static SortedDictionary<string, string> Of(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
            {
                continue; // bsdtar restores links as links; the product's handling of links is asserted on its own.
            }

            result[Path.GetRelativePath(root, file).Replace('\\', '/')] = Hash(File.ReadAllBytes(file));
        }

        return result;
    }

    /// <summary>What <c>bsdtar -xf</c> extracts from <paramref name="archive"/> (the reference every output is compared with).</summary>
    public static SortedDictionary<string, string> OfBsdtar(string archive, string? password = null)
    {
        var dir = Directory.CreateTempSubdirectory("om-bsdtar-").FullName;
        try
        {
            var args = new List<string>();
            if (password is not null)
            {
                args.AddRange(["--passphrase", password]);
            }

            args.AddRange(["-xf", archive, "-C", dir]);
            Tool.Run(dir, "bsdtar", [.. args]);
            return Of(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static string Hash(byte[] data) => Convert.ToHexString(SHA256.HashData(data));
}
