using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Per access key and per project token buckets (per silo: with N silos behind a balancer the cluster admits up to N
/// times the rate, which errs on the side of serving). Refusal: <c>Throttling.User</c> (429).
/// </summary>
public sealed class TokenBucketRateLimiter(
    IOptionsMonitor<RateLimitOptions> options,
    IProjectRateLimits projectLimits,
    TimeProvider clock) : IApiRateLimiter
{
    private const int MaxBuckets = 100_000;
    private readonly ConcurrentDictionary<string, TokenBucket> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TokenBucket> _projects = new(StringComparer.Ordinal);

    public void Acquire(ApiPrincipal principal, string product, string? project)
    {
        var o = options.CurrentValue;
        var now = clock.GetTimestamp();
        if (o.PerKeyRequestsPerSecond > 0 &&
            !Take(_keys, principal.AccessKeyId, o.PerKeyRequestsPerSecond, Math.Max(o.PerKeyBurst, 1), now))
        {
            throw SecurityErrors.Throttled("access key");
        }

        if (project is not null)
        {
            var rate = projectLimits.RequestsPerSecond(project) ?? o.DefaultProjectRequestsPerSecond;
            // A project's burst is one second of its rate.
            if (rate > 0 && !Take(_projects, project, rate, rate, now))
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
