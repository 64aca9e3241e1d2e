namespace Orleans.Media.Silo.Security;

/// <summary>Every project gets <see cref="RateLimitOptions.DefaultProjectRequestsPerSecond"/> until the host registers
/// an <see cref="IProjectRateLimits"/> that reads the projects' settings.</summary>
public sealed class DefaultProjectRateLimits : IProjectRateLimits
{
    public int? RequestsPerSecond(string project) => null;
}
