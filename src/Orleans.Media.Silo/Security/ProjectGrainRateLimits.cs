using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Each project's own <c>QueriesPerSecond</c> (its <see cref="ProjectLimits"/>), read from the project grain in the
/// background and cached for <see cref="RefreshAfter"/>: the request path never waits for the store. Until the first
/// read completes, and for names that are not projects, the configured default applies.
/// </summary>
public sealed partial class ProjectGrainRateLimits(IGrainFactory grains, TimeProvider clock, ILogger<ProjectGrainRateLimits> logger) : IProjectRateLimits
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(10);

    /// <summary>Names that are not (yet) projects are asked again sooner: a project just created gets its own limit fast.</summary>
    public static readonly TimeSpan RefreshMissingAfter = TimeSpan.FromSeconds(1);
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    public int? RequestsPerSecond(string project)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(project, out var entry))
        {
            if (entry.Expires <= now && entry.TryStartRefresh())
            {
                _ = RefreshAsync(project, entry);
            }

            return entry.Value;
        }

        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear(); // A flood of made-up names must not grow this without bound.
        }

        var fresh = new Entry(null, now);
        if (_cache.TryAdd(project, fresh) && fresh.TryStartRefresh())
        {
            _ = RefreshAsync(project, fresh);
        }

        return null;
    }

    private async Task RefreshAsync(string project, Entry entry)
    {
        int? value = null;
        var refreshAfter = RefreshAfter;
        try
        {
            value = (await grains.GetGrain<IProjectGrain>(project).Get()).Limits.QueriesPerSecond;
        }
        catch (Orleans.Media.Grains.ServiceException)
        {
            // Not a project (yet): the default applies.
            refreshAfter = RefreshMissingAfter;
        }
        catch (Exception e)
        {
            LookupFailed(logger, e, project);
            value = entry.Value;
        }

        _cache[project] = new Entry(value, clock.GetUtcNow() + refreshAfter);
    }

    [LoggerMessage(EventId = 1120, Level = LogLevel.Warning, Message = "Could not read the request limit of project {Project}; keeping the previous one")]
    private static partial void LookupFailed(ILogger logger, Exception exception, string project);

    private sealed class Entry(int? value, DateTimeOffset expires)
    {
        private int _refreshing;

        public int? Value { get; } = value;

        public DateTimeOffset Expires { get; } = expires;

        public bool TryStartRefresh() => Interlocked.Exchange(ref _refreshing, 1) == 0;
    }
}
