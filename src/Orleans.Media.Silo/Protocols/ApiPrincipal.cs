using Orleans.Media.Grains.AccessKeys;

namespace Orleans.Media.Silo.Protocols;

/// <summary>The authenticated caller: the access key that signed the request and what it may do.</summary>
public sealed record ApiPrincipal(string AccessKeyId, IReadOnlyList<AccessKeyPermission> Permissions)
{
    /// <summary>
    /// Whether the key may perform <paramref name="action"/> (e.g. <c>imm:CreateProject</c>) on
    /// <paramref name="project"/>. Null = a call that is not project-scoped (ListProjects): any permission whose
    /// action pattern matches lets it through; such handlers filter what they return with this method.
    /// </summary>
    public bool IsAllowed(string action, string? project) =>
        Permissions.Any(p => project is null ? p.AllowsAction(action) : p.Allows(action, "project/" + project));

    /// <summary>Admin = <c>*</c> on <c>*</c>.</summary>
    public bool IsAdmin => Permissions.Any(p => p.Action == "*" && p.Resource == "*");
}
