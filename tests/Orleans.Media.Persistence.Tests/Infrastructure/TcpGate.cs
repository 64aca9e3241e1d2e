using System.Net;
using System.Net.Sockets;

namespace Orleans.Media.Persistence.Tests.Infrastructure;

/// <summary>A TCP port in front of a server: closed (every connection dropped at once, counted) until opened, then
/// forwarding to the server. Stands for a database that is not up yet.</summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _open;
    private int _dropped;

    public TcpGate(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Dropped => Volatile.Read(ref _dropped);

    public void Open() => _open = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (!_open)
            {
                Interlocked.Increment(ref _dropped);
                client.Dispose();
                continue;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var a = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var b = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(a, b);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // Either side went away: the connection ends, as it would without the gate.
            }
        }
    }
}
