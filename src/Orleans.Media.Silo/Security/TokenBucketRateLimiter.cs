using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Per access key and per project token buckets. The rates are cluster-wide: with N silos serving the API each
/// admits 1/N of them (<see cref="RateLimitOptions.ShareAcrossSilos"/>). Refusal: <c>Throttling.User</c> (429).
/// </summary>
public sealed class TokenBucketRateLimiter(
    IOptionsMonitor<RateLimitOptions> options,
    IProjectRateLimits projectLimits,
    IApiSiloCount apiSilos,
    TimeProvider clock) : IApiRateLimiter
{
    private const int MaxBuckets = 100_000;
    private readonly ConcurrentDictionary<string, TokenBucket> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenBucket> _projects = new(StringComparer.Ordinal);

    public void Acquire(ApiPrincipal principal, string product, string? project)
    {
        var o = options.CurrentValue;
        var now = clock.GetTimestamp();
        double share = o.ShareAcrossSilos ? apiSilos.Current : 1;
        if (o.PerKeyRequestsPerSecond > 0 &&
            !Take(_keys, principal.AccessKeyId, o.PerKeyRequestsPerSecond / share, Math.Max(o.PerKeyBurst / share, 1), now))
        {
            throw SecurityErrors.Throttled("access key");
        }

        if (project is not null)
        {
            var rate = projectLimits.RequestsPerSecond(project) ?? o.DefaultProjectRequestsPerSecond;
            // A project's burst is one second of its rate.
            if (rate > 0 && !Take(_projects, project, rate / share, Math.Max(rate / share, 1), now))
            {
                throw SecurityErrors.Throttled("project " + project);
            }
        }
    }

    private bool Take(ConcurrentDictionary<string, TokenBucket> buckets, string name, double rate, double capacity, long now)
    {
        if (buckets.Count > MaxBuckets)
        {
            // Idle buckets are full anyway: dropping them changes nothing for their owners.
            var idle = now - (clock.TimestampFrequency * 60);
            foreach (var (key, bucket) in buckets)
            {
                if (bucket.LastUsedTicks < idle)
                {
                    buckets.TryRemove(key, out _);
                }
            }
        }

        var b = buckets.GetOrAdd(name, static (_, state) => new TokenBucket(state.capacity, state.now), (capacity, now));
        return b.TryTake(rate, capacity, now, clock.TimestampFrequency);
    }
}
