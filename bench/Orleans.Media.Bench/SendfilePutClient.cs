using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Orleans.Media.Bench;

/// <summary>
/// A bench-only HTTP/1.1 PUT client that sends a file range with <c>sendfile</c> (Socket.SendPacketsAsync) on
/// kept-alive connections. Client and server share this machine's two cores; a client on another machine costs the
/// server nothing, and this one adds no user-space copy of the bytes (HttpClient reads the file into a buffer and
/// copies it into the socket), so the figure it gives is closer to the server's own cost.
/// </summary>
public sealed class SendfilePutClient : IDisposable
{
    private readonly ConcurrentBag<Socket> _idle = [];

    /// <summary>PUTs <paramref name="count"/> bytes of <paramref name="path"/> from <paramref name="offset"/>; the ETag the server answered.</summary>
    public async Task<string> PutAsync(Uri url, string path, long offset, int count, CancellationToken cancellationToken)
    {
        var socket = _idle.TryTake(out var s) ? s : await ConnectAsync(url, cancellationToken);
        var head = Encoding.ASCII.GetBytes(
            $"PUT {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Length: {count.ToString(CultureInfo.InvariantCulture)}\r\n\r\n");
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
        {
            await SendAsync(socket, [new SendPacketsElement(head), new SendPacketsElement(file, offset, count)]);
        }

        var (status, headers, body) = await ReadResponseAsync(socket, cancellationToken);
        if (status != 200)
        {
            socket.Dispose();
            throw new HttpRequestException($"PUT answered {status}: {body}");
        }

        _idle.Add(socket);
        return headers.TryGetValue("etag", out var etag) ? etag : string.Empty;
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var socket))
        {
            socket.Dispose();
        }
    }

    private static async Task<Socket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(url.Host, url.Port, cancellationToken);
        return socket;
    }

    private static Task SendAsync(Socket socket, SendPacketsElement[] elements)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var args = new SocketAsyncEventArgs { SendPacketsElements = elements };
        args.Completed += (_, e) => Finish(e, done);
        if (!socket.SendPacketsAsync(args))
        {
            Finish(args, done);
        }

        return done.Task;

        static void Finish(SocketAsyncEventArgs e, TaskCompletionSource done)
        {
            if (e.SocketError == SocketError.Success)
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(new SocketException((int)e.SocketError));
            }

            e.Dispose();
        }
    }

    /// <summary>Status, headers (lower-case names) and body of a response with a Content-Length (every answer of /_objects).</summary>
    private static async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        int end;
        while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            filled += n > 0 ? n : throw new IOException("The server closed the connection before answering.");
        }

        var lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
        while (filled < end + 4 + length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            filled += n > 0 ? n : throw new IOException("The server closed the connection in its answer.");
        }

        return (status, headers, Encoding.UTF8.GetString(buffer, end + 4, length));
    }
}
