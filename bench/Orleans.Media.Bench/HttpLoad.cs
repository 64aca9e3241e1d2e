using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.Media.Bench;

/// <summary>
/// A lean HTTP/1.1 load generator for the request-rate benchmarks: keep-alive sockets, one request in flight per
/// connection, request bytes built (and signed) before the timed window so that the generator spends its share of
/// the machine's two cores on sending and reading, not on HttpClient's machinery or on signing. What is measured is
/// the silo; the generator only has to be cheap and correct (status, Content-Length or chunked bodies).
/// </summary>
public static class HttpLoad
{
    /// <summary>Signed requests built ahead per second of load: more than a silo on two cores can answer.</summary>
    private const int PreparedPerSecond = 20_000;

    /// <param name="CpuTime">CPU time of this whole process (silo and generator) during the timed window.</param>
    /// <param name="AllocatedBytes">Bytes this process allocated during the window (the GC's work grows with them).</param>
    /// <param name="GcPause">Time the process's threads stood paused by the GC during the window.</param>
    /// <param name="PostgresCpuTime">CPU time of the bench's PostgreSQL server (all its processes) during the window.</param>
    /// <param name="MachineBusy">Share of the whole machine's CPU that was busy during the window (0–1; other work included).</param>
    public sealed record Result(long Count, long Errors, List<double> LatenciesMs, TimeSpan Elapsed, TimeSpan CpuTime, long AllocatedBytes, TimeSpan GcPause,
        TimeSpan PostgresCpuTime = default, double MachineBusy = double.NaN)
    {
        /// <summary>Process CPU per answered request, in microseconds (PostgreSQL's share not included).</summary>
        public double CpuMicrosecondsPerRequest => CpuTime.TotalMicroseconds / Math.Max(1, Count + Errors);

        /// <summary>Prints <c>metric</c> (requests/s), <c>metric_p50</c>, <c>metric_p99</c>, <c>metric_errors</c> and
        /// <c>metric_cpu</c> (silo + generator CPU per request; signing happens before the window).</summary>
        public void Report(BenchReport report, string metric)
        {
            report.Metric(metric, Count / Elapsed.TotalSeconds, "per_s");
            report.Metric(metric + "_p50", BenchReport.Percentile(LatenciesMs, 50), "ms");
            report.Metric(metric + "_p99", BenchReport.Percentile(LatenciesMs, 99), "ms");
            report.Metric(metric + "_errors", Errors, "count");
            report.Metric(metric + "_cpu", CpuMicrosecondsPerRequest, "us_per_request");
            report.Metric(metric + "_alloc", AllocatedBytes / 1024.0 / Math.Max(1, Count + Errors), "KiB_per_request");
            report.Metric(metric + "_gc_pause", 100 * GcPause / Elapsed, "percent");
            report.Metric(metric + "_pg_cpu", PostgresCpuTime.TotalMicroseconds / Math.Max(1, Count + Errors), "us_per_request");
            report.Metric(metric + "_machine_busy", 100 * MachineBusy, "percent");
        }
    }

    /// <param name="request">The <c>GET</c> path and query of request number <c>i</c> (each must be unique: nonces).</param>
    /// <param name="onSuccess">Called with the body of every 2xx answer (on the worker's thread).</param>
    public static async Task<Result> RunAsync(
        Uri address, int concurrency, TimeSpan duration, Func<long, string> request, Action<int, ReadOnlyMemory<byte>>? onSuccess,
        CancellationToken cancellationToken)
    {
        var authority = address.Authority;
        var prepared = new byte[(int)Math.Min(duration.TotalSeconds * PreparedPerSecond, 400_000)][];
        Parallel.For(0, prepared.Length, i => prepared[i] = Encode(authority, request(i)));
        long next = -1, count = 0, errors = 0;
        var samples = new List<double>[concurrency];
        var endpoint = new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var paused = GC.GetTotalPauseDuration();
        var host = HostCpu.Take();
        var stopwatch = Stopwatch.StartNew();
        var end = stopwatch.Elapsed + duration;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = samples[worker] = new List<double>(32_768);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endpoint, cancellationToken);
            var reader = new ResponseReader(socket);
            while (stopwatch.Elapsed < end)
            {
                var i = Interlocked.Increment(ref next);
                var bytes = i < prepared.Length ? prepared[i] : Encode(authority, request(i));
                var start = Stopwatch.GetTimestamp();
                await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
                var (status, body) = await reader.ReadAsync(cancellationToken);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (status is >= 200 and < 300)
                {
                    Interlocked.Increment(ref count);
                    onSuccess?.Invoke(worker, body);
                }
                else if (Interlocked.Increment(ref errors) == 1)
                {
                    BenchReport.Note($"first error: {status} {Encoding.UTF8.GetString(body.Span)}");
                }
            }
        }, cancellationToken)));
        var elapsed = stopwatch.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var hostAfter = HostCpu.Take();
        return new Result(count, errors, [.. samples.SelectMany(s => s)], elapsed, cpu, GC.GetTotalAllocatedBytes() - allocated, GC.GetTotalPauseDuration() - paused,
            HostCpu.PostgresTime(host, hostAfter), HostCpu.BusyShare(host, hostAfter));
    }

    private static byte[] Encode(string host, string pathAndQuery) =>
        Encoding.ASCII.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\n\r\n");

    /// <summary>Reads one response at a time from a keep-alive connection: status line, headers, then a
    /// Content-Length or chunked body. Bytes of the next response (there are none: one request in flight) would
    /// stay buffered.</summary>
    private sealed class ResponseReader(Socket socket)
    {
        private byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<(int Status, ReadOnlyMemory<byte> Body)> ReadAsync(CancellationToken cancellationToken)
        {
            int headerEnd;
            while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync(cancellationToken);
            }

            var headers = _buffer.AsSpan(_start, headerEnd);
            Utf8Parser.TryParse(headers[9..12], out int status, out _);
            var bodyStart = _start + headerEnd + 4;
            var length = ContentLength(headers);
            if (length >= 0)
            {
                while (_end - bodyStart < length)
                {
                    await FillAsync(cancellationToken);
                    bodyStart = _start + headerEnd + 4;
                }

                var body = _buffer.AsMemory(bodyStart, length).ToArray();
                _start = bodyStart + length;
                return (status, body);
            }

            _start = bodyStart;
            return (status, await ReadChunkedAsync(cancellationToken));
        }

        private async Task<byte[]> ReadChunkedAsync(CancellationToken cancellationToken)
        {
            var body = new MemoryStream();
            while (true)
            {
                int lineEnd;
                while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                {
                    await FillAsync(cancellationToken);
                }

                Utf8Parser.TryParse(_buffer.AsSpan(_start, lineEnd), out int size, out _, 'x');
                while (_end - _start < lineEnd + 2 + size + 2)
                {
                    await FillAsync(cancellationToken);
                    lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
                }

                body.Write(_buffer, _start + lineEnd + 2, size);
                _start += lineEnd + 2 + size + 2;
                if (size == 0)
                {
                    return body.ToArray();
                }
            }
        }

        private static int ContentLength(ReadOnlySpan<byte> headers)
        {
            var at = IndexOfIgnoreCase(headers, "\r\ncontent-length:"u8);
            if (at < 0)
            {
                return -1;
            }

            var value = headers[(at + 17)..];
            var eol = value.IndexOf("\r\n"u8);
            Utf8Parser.TryParse((eol < 0 ? value : value[..eol]).Trim((byte)' '), out int length, out _);
            return length;
        }

        private static int IndexOfIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerNeedle)
        {
            for (var i = 0; i + lowerNeedle.Length <= text.Length; i++)
            {
                var j = 0;
                while (j < lowerNeedle.Length && (text[i + j] | (lowerNeedle[j] is >= (byte)'a' and <= (byte)'z' ? 0x20 : 0)) == lowerNeedle[j])
                {
                    j++;
                }

                if (j == lowerNeedle.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Compacts what is unread to the front (growing the buffer if it is full) and reads more.</summary>
        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The silo closed the connection.");
            }

            _end += read;
        }
    }
}
