using System.Text;
using System.Text.Unicode;

namespace Orleans.Media.Archives;

/// <summary>
/// Entry-name normalisation and the path-safety rules. A refused name is never turned into an object key.
/// Inner <c>..</c> segments that stay inside the root (<c>a/../b</c>) resolve; any that climb above it refuse.
/// </summary>
public static class EntryPaths
{
    /// <summary><c>\</c> → <c>/</c>, drop leading <c>./</c>, empty and <c>.</c> segments, and the trailing <c>/</c>.</summary>
    public static string Normalize(string name)
    {
        // Most names are already in their normal form: return the same string (no per-entry copies on 80,000 entries).
        if (IsPlain(name))
        {
            return name;
        }

        var s = name.Replace('\\', '/');
        var segments = s.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(seg => seg != ".");
        var joined = string.Join('/', segments);
        return s.StartsWith('/') ? "/" + joined : joined;
    }

    /// <summary>
    /// The safe relative path for <paramref name="name"/>, or null with a <paramref name="reason"/> when it is
    /// absolute, has a drive letter or NUL, is empty, or escapes the root.
    /// </summary>
    public static string? TryResolve(string name, out string reason)
    {
        if (IsPlain(name) && !(name.Length >= 2 && char.IsAsciiLetter(name[0]) && name[1] == ':'))
        {
            reason = string.Empty;
            return name;
        }

        if (name.Contains('\0'))
        {
            reason = "the name contains a NUL character";
            return null;
        }

        var s = name.Replace('\\', '/');
        if (s.StartsWith('/'))
        {
            reason = "absolute path";
            return null;
        }

        if (s.Length >= 2 && char.IsAsciiLetter(s[0]) && s[1] == ':')
        {
            reason = "path with a drive letter";
            return null;
        }

        return Resolve([], s, out reason);
    }

    /// <summary>
    /// Where a symbolic link at <paramref name="linkPath"/> (already safe) pointing at <paramref name="target"/>
    /// lands, relative to the root; null with a reason when the target is absolute or leaves the root.
    /// </summary>
    public static string? TryResolveSymlink(string linkPath, string target, out string reason)
    {
        var t = target.Replace('\\', '/');
        if (t.Contains('\0') || t.StartsWith('/') || (t.Length >= 2 && char.IsAsciiLetter(t[0]) && t[1] == ':'))
        {
            reason = $"the link target '{target}' is an absolute path";
            return null;
        }

        var slash = linkPath.LastIndexOf('/');
        var parent = slash < 0 ? [] : linkPath[..slash].Split('/');
        var resolved = Resolve(parent, t, out reason);
        if (resolved is null)
        {
            reason = $"the link target '{target}' resolves outside the archive root";
        }

        return resolved;
    }

    /// <summary>A hard link names another entry by its path from the root.</summary>
    public static string? TryResolveHardLink(string target, out string reason)
    {
        var resolved = TryResolve(target, out reason);
        if (resolved is null)
        {
            reason = $"the hard link target '{target}' is outside the archive root ({reason})";
        }

        return resolved;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="selection"/> or lies under it (a selected folder).</summary>
    public static bool IsSelected(string path, IReadOnlyCollection<string> selections)
    {
        foreach (var sel in selections)
        {
            if (path.Length == sel.Length ? path == sel : path.Length > sel.Length && path[sel.Length] == '/' && path.StartsWith(sel, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Decodes a stored name: UTF-8 when valid, otherwise a lossless escape (<c>%XX</c> for every byte ≥ 0x80 and
    /// for <c>%</c>) so distinct raw names stay distinct and can be recovered.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> raw, out bool escaped)
    {
        if (Utf8.IsValid(raw))
        {
            escaped = false;
            return Encoding.UTF8.GetString(raw);
        }

        escaped = true;
        var sb = new StringBuilder(raw.Length * 3);
        foreach (var b in raw)
        {
            if (b >= 0x80 || b == (byte)'%')
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// True when <paramref name="name"/> is its own normal form and safe as it stands: not empty, no <c>\</c> or NUL,
    /// no leading or trailing <c>/</c>, and every segment non-empty and neither <c>.</c> nor <c>..</c>.
    /// </summary>
    private static bool IsPlain(string name)
    {
        if (name.Length == 0 || name[0] == '/' || name[^1] == '/' || name.AsSpan().IndexOfAny('\\', '\0') >= 0)
        {
            return false;
        }

        var rest = name.AsSpan();
        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment.Length == 0 || segment is "." or "..")
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            rest = rest[(slash + 1)..];
        }
    }

    private static string? Resolve(IEnumerable<string> start, string relative, out string reason)
    {
        var stack = new List<string>(start);
        foreach (var seg in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (seg == ".")
            {
                continue;
            }

            if (seg == "..")
            {
                if (stack.Count == 0)
                {
                    reason = "a '..' segment escapes the archive root";
                    return null;
                }

                stack.RemoveAt(stack.Count - 1);
                continue;
            }

            stack.Add(seg);
        }

        if (stack.Count == 0)
        {
            reason = "the name is empty";
            return null;
        }

        reason = string.Empty;
        return string.Join('/', stack);
    }
}
