using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Orleans.Media.Grains.Tasks;
using Orleans.Streams;

namespace Orleans.Media.Silo.Events;

/// <summary>
/// Writes one Orleans stream as <c>text/event-stream</c>: first the catch-up events the caller computed from stored
/// state, then live events as the stream delivers them (those the catch-up already covered are skipped), a comment
/// heartbeat while idle, until the client goes away. Each event is <c>id: &lt;id&gt;</c>, <c>event: &lt;type&gt;</c>,
/// <c>data: &lt;payload JSON&gt;</c>.
/// </summary>
internal sealed class ServerSentEventStream(TaskEventsOptions options)
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    /// <summary>
    /// Subscribes to <paramref name="stream"/> first, then asks <paramref name="catchUp"/> for what the client is
    /// missing (so an event raised in between is either in the catch-up or delivered live, never lost), then streams.
    /// <paramref name="isNew"/> drops live events the catch-up covered; <paramref name="idOf"/> names each event.
    /// </summary>
    public async Task<(string? Last, long Count)> RunAsync(
        HttpResponse response,
        IAsyncStream<LiveEvent> stream,
        Func<Task<IReadOnlyList<LiveEvent>>> catchUp,
        Func<LiveEvent, bool> isNew,
        Func<LiveEvent, string> idOf,
        CancellationToken cancellationToken)
    {
        var live = Channel.CreateUnbounded<LiveEvent>(new UnboundedChannelOptions { SingleReader = true });
        var subscription = await stream.SubscribeAsync((e, _) => live.Writer.WriteAsync(e, CancellationToken.None).AsTask());
        string? lastSent = null;
        long count = 0;
        try
        {
            var initial = await catchUp();
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache, no-store";
            response.Headers["X-Accel-Buffering"] = "no"; // Proxies must not hold events back.
            var retry = "retry: " + ((long)options.ClientRetry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "\n\n";
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(retry), cancellationToken);
            foreach (var e in initial)
            {
                lastSent = idOf(e);
                await response.Body.WriteAsync(Format(lastSent, e), cancellationToken);
                count++;
            }

            await response.Body.FlushAsync(cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(options.HeartbeatInterval);
                try
                {
                    await live.Reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await response.Body.WriteAsync(Heartbeat, cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    continue;
                }

                var wrote = false;
                while (live.Reader.TryRead(out var e))
                {
                    if (!isNew(e))
                    {
                        continue;
                    }

                    lastSent = idOf(e);
                    await response.Body.WriteAsync(Format(lastSent, e), cancellationToken);
                    count++;
                    wrote = true;
                }

                if (wrote)
                {
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
        finally
        {
            live.Writer.TryComplete();
            try
            {
                await subscription.UnsubscribeAsync();
            }
            catch (Exception)
            {
                // Memory streams forget subscriptions of a gone client anyway; the response is already over.
            }
        }

        return (lastSent, count);
    }

    private static byte[] Format(string id, LiveEvent e) =>
        Encoding.UTF8.GetBytes(new StringBuilder(e.Json.Length + e.Type.Length + 64)
            .Append("id: ").Append(id).Append('\n')
            .Append("event: ").Append(e.Type).Append('\n')
            .Append("data: ").Append(e.Json).Append("\n\n")
            .ToString());
}
