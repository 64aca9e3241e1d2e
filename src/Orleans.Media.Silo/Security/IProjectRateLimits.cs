namespace Orleans.Media.Silo.Security;

/// <summary>
/// A project's own request-rate setting (the project grain's <c>QueriesPerSecond</c>). Called on every
/// project-scoped request, so implementations answer from memory (cache the project's limits).
/// </summary>
public interface IProjectRateLimits
{
    /// <summary>Requests per second allowed for <paramref name="project"/>; null = use the configured default.</summary>
    int? RequestsPerSecond(string project);
}
