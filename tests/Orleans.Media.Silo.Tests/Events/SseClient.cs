using System.Text;
using System.Text.Json;

namespace Orleans.Media.Silo.Tests.Events;

/// <summary>One server-sent event as received.</summary>
public sealed record SseEvent(string Id, string Type, JsonElement Data)
{
    /// <summary>A task stream's id: the task's event sequence number.</summary>
    public long Sequence => long.Parse(Id, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A minimal text/event-stream reader (written from the SSE format, not shared with the server) that also reports
/// comment lines, so tests can see heartbeats.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response => _response;

    public int Heartbeats { get; private set; }

    public static async Task<SseClient> OpenAsync(HttpClient http, string path, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        return new SseClient(response, reader);
    }

    /// <summary>The next event; heartbeats and the retry hint are counted or skipped.</summary>
    public async Task<SseEvent> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? id = null;
        string? type = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    return new SseEvent(id ?? throw new InvalidDataException("An event without id."), type ?? "message",
                        JsonDocument.Parse(data.ToString()).RootElement.Clone());
                }
                continue;
            }
            if (line.StartsWith(':'))
            {
                Heartbeats++;
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : "").Append(value);
                    break;
            }
        }
    }

    public async Task<IReadOnlyList<SseEvent>> TakeAsync(int count, TimeSpan timeout)
    {
        var events = new List<SseEvent>();
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync(timeout));
        }
        return events;
    }

    /// <summary>Reads until <paramref name="heartbeats"/> more heartbeat comments arrived; fails if an event comes first.</summary>
    public async Task ExpectOnlyHeartbeatsAsync(int heartbeats, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var target = Heartbeats + heartbeats;
        while (Heartbeats < target)
        {
            var line = await _reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.StartsWith(':'))
            {
                Heartbeats++;
            }
            else if (line.Length > 0 && !line.StartsWith("retry:", StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"Expected only heartbeats, got: {line}");
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
