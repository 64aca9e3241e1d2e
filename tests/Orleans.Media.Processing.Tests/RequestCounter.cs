using System.Text;

namespace Orleans.Media.Processing.Tests;

/// <summary>
/// Counts the HTTP requests clients send through a <see cref="LoopbackProxy"/> by method (a request line starts a
/// request; the requests counted here carry no body, so a method name in the stream is a request).
/// </summary>
public sealed class RequestCounter
{
    private int _heads;
    private int _gets;

    public int Heads => Volatile.Read(ref _heads);

    public int Gets => Volatile.Read(ref _gets);

    /// <summary>A watcher for one connection's uplink (<see cref="LoopbackProxy"/>'s <c>watchUplink</c>).</summary>
    public Action<ReadOnlyMemory<byte>> NewConnection()
    {
        var tail = string.Empty; // the end of the previous read, for a method split across reads
        return data =>
        {
            var text = tail + Encoding.Latin1.GetString(data.Span);
            _ = Interlocked.Add(ref _heads, Occurrences(text, "HEAD /", tail.Length));
            _ = Interlocked.Add(ref _gets, Occurrences(text, "GET /", tail.Length));
            tail = text[^Math.Min(5, text.Length)..];
        };
    }

    /// <summary>Occurrences of <paramref name="what"/> that end past <paramref name="seen"/> (not counted before).</summary>
    private static int Occurrences(string text, string what, int seen)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            if (i + what.Length > seen)
            {
                count++;
            }
        }

        return count;
    }
}
