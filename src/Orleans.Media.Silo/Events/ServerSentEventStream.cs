using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Orleans.Media.Runtime;

namespace Orleans.Media.Silo.Events;

/// <summary>
/// Streams one event stream of the durable log as <c>text/event-stream</c>: each event as
/// <c>id: &lt;position&gt;</c>, <c>event: &lt;type&gt;</c>, <c>data: &lt;payload JSON&gt;</c>, in log order; a
/// comment heartbeat while idle; until the client goes away. Resuming after <c>Last-Event-ID</c> loses and repeats
/// nothing because positions are the log's own order.
/// </summary>
internal sealed class ServerSentEventStream(IStreamReader reader, TaskEventsOptions options)
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    /// <summary>Writes events of <paramref name="stream"/> with position &gt; <paramref name="after"/> that
    /// <paramref name="accept"/> lets through. Returns the position and count of what was sent.</summary>
    public async Task<(long Last, long Count)> RunAsync(
        HttpResponse response, StreamId stream, long after, Func<StreamEvent, bool> accept, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no"; // Proxies must not hold events back.
        var retry = "retry: " + ((long)options.ClientRetry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "\n\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(retry), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);

        var filter = StreamFilter.For(stream);
        var lastSent = after;
        var scanned = after; // Everything of this stream up to here has been read (sent or filtered out).
        long count = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // The log's end BEFORE reading: a short page proves nothing of the stream lies in (scanned, end].
                var end = await reader.GetLastPositionAsync(cancellationToken);
                var events = await reader.ReadAsync(scanned, filter, options.BatchSize, cancellationToken);
                foreach (var e in events)
                {
                    scanned = e.Position;
                    if (!accept(e))
                    {
                        continue;
                    }
                    await response.Body.WriteAsync(Format(e), cancellationToken);
                    lastSent = e.Position;
                    count++;
                }
                if (events.Count > 0)
                {
                    await response.Body.FlushAsync(cancellationToken);
                }
                if (events.Count >= options.BatchSize)
                {
                    continue;
                }
                scanned = Math.Max(scanned, end);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(options.HeartbeatInterval);
                try
                {
                    await reader.WaitAsync(scanned, wait.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await response.Body.WriteAsync(Heartbeat, cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: nothing more to send.
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            // Writing raced with the disconnect.
        }
        return (lastSent, count);
    }

    private static byte[] Format(StreamEvent e)
    {
        // Payload JSON is written compact (one line), so one data: line carries it.
        var data = JsonSerializer.Serialize(e.Payload);
        var text = new StringBuilder(data.Length + e.Type.Length + 48)
            .Append("id: ").Append(e.Position.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(e.Type).Append('\n')
            .Append("data: ").Append(data).Append("\n\n")
            .ToString();
        return Encoding.UTF8.GetBytes(text);
    }
}
