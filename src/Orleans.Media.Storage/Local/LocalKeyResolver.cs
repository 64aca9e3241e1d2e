namespace Orleans.Media.Storage.Local;

/// <summary>
/// Maps object keys to paths inside one bucket folder, refusing every key that could land elsewhere:
/// <c>..</c> and <c>.</c> segments, absolute paths, NUL, backslashes (a second separator on other systems),
/// empty segments, the reserved temp folder, and symbolic links on the way that point out of the bucket.
/// </summary>
internal sealed class LocalKeyResolver
{
    /// <summary>Temp files and multipart parts live here, inside the bucket (same file system, so rename is atomic).</summary>
    public const string TempFolderName = ".om-tmp";

    private readonly string _rootWithSeparator;

    public LocalKeyResolver(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootWithSeparator = Root + Path.DirectorySeparatorChar;
    }

    public string Root { get; }

    public string TempFolder => Path.Combine(Root, TempFolderName);

    /// <summary>The file (or, for a key ending in '/', the folder) that holds <paramref name="key"/>.</summary>
    public string Resolve(string key) => Resolve(key, throughLastSegment: true);

    /// <summary>
    /// Like <see cref="Resolve(string)"/> for a file about to be created by link or rename, which never follow a
    /// link in the last segment: only the folders on the way are checked. Whoever finds the name taken checks the
    /// last segment with <see cref="EnsureLastSegmentStaysInside"/> before replacing it, so a link planted there is
    /// refused as before, and the common case (a new name) skips a directory search that the link repeats anyway.
    /// </summary>
    public string ResolveForCreate(string key) => Resolve(key, throughLastSegment: key.EndsWith('/'));

    /// <summary>Refuses <paramref name="path"/> (from <see cref="ResolveForCreate"/>) when its last segment is a link leading outside.</summary>
    public void EnsureLastSegmentStaysInside(string key, string path) =>
        EnsureNoEscapingLinks(key, path, path.LastIndexOf(Path.DirectorySeparatorChar));

    private string Resolve(string key, bool throughLastSegment)
    {
        Validate(key);
        var full = Path.GetFullPath(Path.Combine(Root, key));
        var trimmed = Path.TrimEndingDirectorySeparator(full);
        if (!trimmed.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw new InvalidObjectKeyException(key, "it resolves outside the bucket folder");
        }

        var checkedLength = throughLastSegment ? trimmed.Length : trimmed.LastIndexOf(Path.DirectorySeparatorChar);
        EnsureNoEscapingLinks(key, trimmed[..checkedLength], Root.Length);
        return trimmed;
    }

    /// <summary>The key of a file found under the root (the reverse of <see cref="Resolve"/>).</summary>
    public string KeyOf(string fullPath) =>
        Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    public static void Validate(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidObjectKeyException(key ?? string.Empty, "it is empty");
        }

        if (key.Contains('\0'))
        {
            throw new InvalidObjectKeyException(key, "it contains NUL");
        }

        if (key.Contains('\\'))
        {
            throw new InvalidObjectKeyException(key, "it contains a backslash");
        }

        if (key[0] == '/')
        {
            throw new InvalidObjectKeyException(key, "it is an absolute path");
        }

        if (key.Length >= 2 && key[1] == ':' && char.IsAsciiLetter(key[0]))
        {
            throw new InvalidObjectKeyException(key, "it starts with a drive letter");
        }

        var segments = key.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            if (s.Length == 0 && i == segments.Length - 1)
            {
                continue; // "dir/": a folder marker
            }

            if (s.Length == 0)
            {
                throw new InvalidObjectKeyException(key, "it has an empty path segment");
            }

            if (s is "." or "..")
            {
                throw new InvalidObjectKeyException(key, $"it has a '{s}' path segment");
            }

            if (s.Any(char.IsControl))
            {
                throw new InvalidObjectKeyException(key, "it contains a control character");
            }
        }

        if (segments[0] == TempFolderName)
        {
            throw new InvalidObjectKeyException(key, $"'{TempFolderName}/' is reserved for uploads in progress");
        }
    }

    // A link inside the bucket could point anywhere; follow each link on the way and require it stays inside.
    // One readlink per segment (it fails for anything that is not a link, including what does not exist yet):
    // the common case costs a system call per segment and no exception.
    private void EnsureNoEscapingLinks(string key, string full, int from)
    {
        var end = from;
        while (end < full.Length)
        {
            var next = full.IndexOf(Path.DirectorySeparatorChar, end + 1);
            end = next < 0 ? full.Length : next;
            var current = full[..end];
            if (new FileInfo(current).LinkTarget is null)
            {
                continue;
            }

            var target = new FileInfo(current).ResolveLinkTarget(returnFinalTarget: true);
            var resolved = target is null ? null : Path.GetFullPath(target.FullName);
            if (resolved is null || (resolved != Root && !resolved.StartsWith(_rootWithSeparator, StringComparison.Ordinal)))
            {
                throw new InvalidObjectKeyException(key, "a symbolic link on its path leads outside the bucket folder");
            }
        }
    }
}
