namespace Orleans.Media.Silo.Security;

/// <summary>A token bucket refilled continuously at <c>rate</c> tokens per second up to <c>capacity</c>.</summary>
internal sealed class TokenBucket(double capacity, long startTicks)
{
    private readonly Lock _gate = new();
    private double _tokens = capacity;
    private long _lastTicks = startTicks;

    public long LastUsedTicks => Volatile.Read(ref _lastTicks);

    /// <summary>Takes one token if available, after refilling for the time elapsed since the last call.</summary>
    public bool TryTake(double rate, double capacityNow, long nowTicks, long ticksPerSecond)
    {
        lock (_gate)
        {
            var elapsed = Math.Max(0, nowTicks - _lastTicks);
            _tokens = Math.Min(capacityNow, _tokens + (elapsed * rate / ticksPerSecond));
            _lastTicks = nowTicks;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
