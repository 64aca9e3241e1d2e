using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.Media.Processing.Tests;

/// <summary>
/// A TCP proxy on loopback in front of a real HTTP server that counts the requests clients send by method (request
/// lines start a request; the requests counted here carry no body, so a method name in the stream is a request).
/// </summary>
public sealed class RequestCountingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly DnsEndPoint _target;
    private readonly Task _accepting;
    private int _heads;
    private int _gets;

    public RequestCountingProxy(Uri target)
    {
        _target = new DnsEndPoint(target.Host, target.Port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Heads => Volatile.Read(ref _heads);

    public int Gets => Volatile.Read(ref _gets);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                connections.Add(ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream(), count: true, done.Token);
                var down = PumpAsync(server.GetStream(), client.GetStream(), count: false, done.Token);
                await Task.WhenAny(up, down);
                await done.CancelAsync();
                await Task.WhenAll(up, down);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
            {
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to, bool count, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var tail = string.Empty; // the end of the previous read, for a method split across reads
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (count)
                {
                    var text = tail + Encoding.Latin1.GetString(buffer, 0, n);
                    _ = Interlocked.Add(ref _heads, Occurrences(text, "HEAD /", tail.Length));
                    _ = Interlocked.Add(ref _gets, Occurrences(text, "GET /", tail.Length));
                    tail = text[^Math.Min(5, text.Length)..];
                }

                await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
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
