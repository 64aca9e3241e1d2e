namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// One grant: an action pattern × a resource pattern, both globs where <c>*</c> matches any run of characters,
/// e.g. <c>imm:*</c> on <c>project/media-*</c>. Admin is <c>*</c> on <c>*</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AccessKeyPermission(string Action, string Resource)
{
    public static AccessKeyPermission Admin { get; } = new("*", "*");

    public bool AllowsAction(string action) => Glob.IsMatch(Action, action);

    public bool Allows(string action, string resource) => Glob.IsMatch(Action, action) && Glob.IsMatch(Resource, resource);

    /// <summary>Parses <c>"action@resource"</c> (the CLI and admin API form), e.g. <c>imm:*@project/media-*</c>.</summary>
    public static AccessKeyPermission Parse(string text)
    {
        var at = text.LastIndexOf('@');
        var (action, resource) = at < 0 ? (text.Trim(), "*") : (text[..at].Trim(), text[(at + 1)..].Trim());
        if (action.Length == 0 || resource.Length == 0)
        {
            throw new FormatException($"'{text}' is not a permission; expected action@resource, e.g. imm:*@project/media-*.");
        }

        return new AccessKeyPermission(action, resource);
    }

    public override string ToString() => Action + "@" + Resource;
}
