namespace Orleans.Media.Silo.Protocols;

/// <summary>Parses the <c>"METHOD /template"</c> form of <see cref="ApiOperation.RestRoute"/> and <see cref="ApiOperation.HuaweiRoute"/>.</summary>
public static class ApiRoute
{
    private static readonly HashSet<string> Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static (string Method, string Template) Parse(string route)
    {
        var space = route.IndexOf(' ');
        var method = space > 0 ? route[..space].ToUpperInvariant() : "";
        var template = space > 0 ? route[(space + 1)..].Trim() : "";
        if (!Methods.Contains(method) || !template.StartsWith('/'))
        {
            throw new FormatException($"Route '{route}' must be \"METHOD /path\", e.g. \"POST /api/v1/projects/{{ProjectName}}\".");
        }

        return (method, template);
    }
}
