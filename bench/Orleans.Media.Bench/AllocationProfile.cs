using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Orleans.Media.Bench;

/// <summary>
/// What a request allocates, by type: the runtime's sampled <c>GCAllocationTick</c> events (one about every 100 KB
/// allocated, naming the type of the object that crossed the mark), scaled back to bytes. A sample, not an
/// account: types allocated often and large dominate, which is what the GC's work follows.
/// </summary>
public sealed class AllocationProfile : EventListener
{
    private const long GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _enabled;

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public void Reset() => _bytes.Clear();

    public void Note(string name, long requests, int top = 25)
    {
        requests = Math.Max(1, requests);
        var total = _bytes.Values.Sum();
        BenchReport.Note($"{name} allocations by type (sampled): {total / 1024.0 / requests:0.0} KiB per request");
        foreach (var (type, bytes) in _bytes.OrderByDescending(b => b.Value).Take(top))
        {
            BenchReport.Note($"   {bytes / 1024.0 / requests,7:0.00} KiB  {type}");
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_enabled || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is not { } names)
        {
            return;
        }

        var type = names.IndexOf("TypeName") is var t and >= 0 ? e.Payload![t]?.ToString() ?? "?" : "?";
        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload![a], System.Globalization.CultureInfo.InvariantCulture)
            : names.IndexOf("AllocationAmount") is var b and >= 0 ? Convert.ToInt64(e.Payload![b], System.Globalization.CultureInfo.InvariantCulture) : 0;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }
}
