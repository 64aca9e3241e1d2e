using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace Orleans.Media.Bench;

/// <summary>
/// Where a request's round trips go, in process: every PostgreSQL command (Npgsql's <c>ActivitySource</c>, by
/// statement text; Orleans' ADO.NET providers go through Npgsql too) and Orleans' own counters (its
/// <c>Microsoft.Orleans</c> meter: messages, activations, storage operations) while <see cref="Enabled"/> is on.
/// Off during the timed windows (tracing costs CPU); switched on for a separate profiling window.
/// </summary>
public sealed partial class RequestProfile : IDisposable
{
    private readonly ActivityListener _sql;
    private readonly MeterListener _meters;
    private readonly ConcurrentDictionary<string, Counter> _statements = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Counter> _instruments = new(StringComparer.Ordinal);
    private volatile bool _enabled;

    public RequestProfile()
    {
        _sql = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Npgsql", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => _enabled ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_sql);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && instrument is not ObservableCounter<long> and not ObservableGauge<long> and not ObservableUpDownCounter<long>)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((i, v, _, _) => Measure(i, v));
        _meters.SetMeasurementEventCallback<int>((i, v, _, _) => Measure(i, v));
        _meters.SetMeasurementEventCallback<double>((i, v, _, _) => Measure(i, v));
        _meters.Start();
    }

    public bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    public void Reset()
    {
        _statements.Clear();
        _instruments.Clear();
    }

    /// <summary>Per request: the statements (count, ms) and Orleans counters (histograms: records) seen since <see cref="Reset"/>.</summary>
    public void Note(string name, long requests, int top = 14)
    {
        requests = Math.Max(1, requests);
        var total = _statements.Values.Sum(c => c.Count);
        BenchReport.Note($"{name} profile: {total / (double)requests:0.00} PostgreSQL commands per request (background work included):");
        foreach (var (text, c) in _statements.OrderByDescending(s => s.Value.Count).Take(top))
        {
            BenchReport.Note($"   {c.Count / (double)requests,6:0.00} x {c.Ticks / (double)c.Count / TimeSpan.TicksPerMillisecond,7:0.0} ms  {text}");
        }

        BenchReport.Note($"{name} Orleans counters per request (histograms count records):");
        foreach (var (instrument, c) in _instruments.Where(i => i.Value.Count > 0).OrderByDescending(s => s.Value.Count).Take(top))
        {
            BenchReport.Note($"   {(c.IsHistogram ? c.Count : c.Sum) / (double)requests,8:0.00}  {instrument}");
        }
    }

    public void Dispose()
    {
        _sql.Dispose();
        _meters.Dispose();
    }

    private void Record(Activity activity)
    {
        var text = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? activity.DisplayName;
        var key = Spaces().Replace(text, " ").Trim();
        if (key.Length > 110)
        {
            key = key[..110] + "…";
        }

        var c = _statements.GetOrAdd(key, _ => new Counter());
        Interlocked.Increment(ref c.Count);
        Interlocked.Add(ref c.Ticks, activity.Duration.Ticks);
    }

    private void Measure(Instrument instrument, double value)
    {
        if (!_enabled)
        {
            return;
        }

        var c = _instruments.GetOrAdd(instrument.Name, _ => new Counter { IsHistogram = instrument is Histogram<long> or Histogram<int> or Histogram<double> });
        Interlocked.Increment(ref c.Count);
        lock (c)
        {
            c.Sum += value;
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private sealed class Counter
    {
        public long Count;
        public long Ticks;
        public double Sum;
        public bool IsHistogram;
    }
}
