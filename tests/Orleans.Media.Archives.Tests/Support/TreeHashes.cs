using System.Security.Cryptography;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>Relative path → SHA-256 of every regular file under a folder; file symlinks count as the file they reach.</summary>
internal static class TreeHashes
{
    public static SortedDictionary<string, string> Of(string root, Func<string, bool>? include = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(root, root, result, include ?? (_ => true));
        return result;
    }

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static void Walk(string root, string dir, SortedDictionary<string, string> result, Func<string, bool> include)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(dir))
        {
            var rel = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (!include(rel))
            {
                continue;
            }

            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                // Follow links to files that stay inside the tree; folder and dangling links are not content.
                var resolved = info.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is FileInfo { Exists: true } f && Path.GetFullPath(f.FullName).StartsWith(Path.GetFullPath(root) + "/", StringComparison.Ordinal))
                {
                    result[rel] = Hash(f.FullName);
                }

                continue;
            }

            if (Directory.Exists(path))
            {
                Walk(root, path, result, include);
            }
            else
            {
                result[rel] = Hash(path);
            }
        }
    }
}
