using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Orleans.Media.Processing.Tests;

/// <summary>
/// A TCP proxy on loopback in front of a real server. What clients send can be forwarded at a fixed rate (a slow
/// uplink to storage; no credit is saved while a connection is idle, so bursts stay small) and watched, per
/// connection and in order (the <c>watchUplink</c> factory gives each connection its watcher); answers
/// pass at full speed.
/// </summary>
public sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly DnsEndPoint _target;
    private readonly int? _uplinkBytesPerSecond;
    private readonly Func<Action<ReadOnlyMemory<byte>>>? _watchUplink;
    private readonly Task _accepting;

    public LoopbackProxy(Uri target, int? uplinkBytesPerSecond = null, Func<Action<ReadOnlyMemory<byte>>>? watchUplink = null)
    {
        _target = new DnsEndPoint(target.Host, target.Port);
        _uplinkBytesPerSecond = uplinkBytesPerSecond;
        _watchUplink = watchUplink;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

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
                connections.Add(RelayAsync(await _listener.AcceptSocketAsync(_stop.Token)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            using (client)
            {
                await server.ConnectAsync(_target, done.Token);
                var up = PumpAsync(client, server, _uplinkBytesPerSecond, _watchUplink?.Invoke(), done.Token);
                var down = PumpAsync(server, client, null, null, done.Token);
                await Task.WhenAny(up, down);
                await done.CancelAsync();
                await Task.WhenAll(up, down);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, int? bytesPerSecond, Action<ReadOnlyMemory<byte>>? watch, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var next = Stopwatch.GetTimestamp();
        while (true)
        {
            var n = await from.ReceiveAsync(buffer, cancellationToken);
            if (n == 0)
            {
                return;
            }

            watch?.Invoke(buffer.AsMemory(0, n));
            await to.SendAsync(buffer.AsMemory(0, n), cancellationToken);
            if (bytesPerSecond is { } rate)
            {
                next = Math.Max(next, Stopwatch.GetTimestamp()) + (long)((double)n / rate * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }
        }
    }
}
