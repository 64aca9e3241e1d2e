using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Counts the Active silos with the <c>api</c> role in the membership table, refreshed in the background every
/// <see cref="RateLimitOptions.SiloCountRefresh"/> (the request path never waits for the store). A silo whose
/// heartbeat is older than <see cref="StaleAfter"/> behind the freshest one is not counted, so a crashed silo stops
/// taking a share of the rate well before it is declared dead.
/// </summary>
public sealed partial class MembershipApiSiloCount(
    IClusterMembership membership, IOptionsMonitor<RateLimitOptions> options, TimeProvider clock, ILogger<MembershipApiSiloCount> logger) : IApiSiloCount
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(10);

    private int _count = 1;
    private long _refreshedAt = long.MinValue;
    private int _refreshing;

    public int Current
    {
        get
        {
            var now = clock.GetTimestamp();
            if ((_refreshedAt == long.MinValue || clock.GetElapsedTime(Volatile.Read(ref _refreshedAt), now) >= options.CurrentValue.SiloCountRefresh) &&
                Interlocked.Exchange(ref _refreshing, 1) == 0)
            {
                _ = RefreshAsync();
            }

            return Volatile.Read(ref _count);
        }
    }

    /// <summary>Counts the serving silos among <paramref name="silos"/>; at least 1.</summary>
    public static int Count(IReadOnlyList<SiloInfo> silos)
    {
        var active = silos.Where(s => s.Status == SiloStatus.Active && s.Roles.Contains(SiloRoles.Api, StringComparer.Ordinal)).ToList();
        if (active.Count == 0)
        {
            return 1;
        }

        var freshest = active.Max(s => s.HeartbeatAt);
        return Math.Max(1, active.Count(s => s.HeartbeatAt >= freshest - StaleAfter));
    }

    private async Task RefreshAsync()
    {
        try
        {
            Volatile.Write(ref _count, Count(await membership.GetSilosAsync().ConfigureAwait(false)));
        }
        catch (Exception e)
        {
            RefreshFailed(logger, e.Message); // Keep the last count; the next request retries after the interval.
        }
        finally
        {
            Volatile.Write(ref _refreshedAt, clock.GetTimestamp());
            Volatile.Write(ref _refreshing, 0);
        }
    }

    [LoggerMessage(EventId = 1121, Level = LogLevel.Warning, Message = "Could not count the API silos for rate limits: {Reason}; keeping the last count")]
    private static partial void RefreshFailed(ILogger logger, string reason);
}
