using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Ingestion;

/// <summary>
/// Pulls an http(s) URL into an object (ICE UploadMediaByURL). The body streams into the store's write stream
/// (multipart above one part, memory bounded by the part size and parts in flight), under a size cap, a connect
/// timeout and an idle timeout. Transient failures of the source (5xx, resets, timeouts) are retried from the start
/// with backoff; 4xx, an unknown host, a failed TLS handshake and a failure of the target store are not. The SSRF
/// guard sits in the connect callback: every address the host resolves to is checked, and the connection goes to a
/// checked address, so neither a DNS answer nor a redirect (each hop is followed here and connects through the same
/// callback) can reach an internal address.
/// </summary>
public sealed partial class UrlIngestion : IDisposable
{
    private static readonly HttpStatusCode[] Redirects =
        [HttpStatusCode.MovedPermanently, HttpStatusCode.Found, HttpStatusCode.SeeOther, HttpStatusCode.TemporaryRedirect, HttpStatusCode.PermanentRedirect];

    private readonly IObjectStorage _storage;
    private readonly UrlIngestionOptions _options;
    private readonly AddressPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger<UrlIngestion> _logger;
    private readonly HttpClient _http;

    public UrlIngestion(IObjectStorage storage, IOptions<UrlIngestionOptions> options, TimeProvider time, ILogger<UrlIngestion> logger)
    {
        _storage = storage;
        _options = options.Value;
        _policy = AddressPolicy.From(_options);
        _time = time;
        _logger = logger;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.ConnectTimeout,
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("OrleansMedia-UrlIngestion/1.0");
    }

    public void Dispose() => _http.Dispose();

    public async Task<IngestionResult> IngestAsync(Uri url, ObjectUri target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        CheckScheme(url);
        if (!_storage.HasBucket(target.Bucket))
        {
            // Refused before the source is asked for anything, but reported like every other failure of the target.
            throw new IngestionException(IngestionFailure.Storage, $"The target bucket '{target.Bucket}' is not configured; nothing was fetched.");
        }

        var store = _storage.GetBucket(target.Bucket);

        // The whole pull's deadline: cancelling through the token its parts see ends it the way a caller's cancel
        // does (nothing stored), and is then reported as the timeout it is.
        using var deadline = new CancellationTokenSource(_options.MaxDuration, _time);
        using var pull = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await PullOnceAsync(url, store, target, attempt, pull.Token).ConfigureAwait(false);
                }
                catch (TransientException e) when (attempt <= _options.MaxRetries)
                {
                    var delay = _options.RetryDelay * Math.Pow(2, attempt - 1);
                    LogRetry(_logger, url.Host, attempt, e.Failure.Message, delay);
                    await Task.Delay(delay, _time, pull.Token).ConfigureAwait(false);
                }
                catch (TransientException e)
                {
                    throw e.Failure;
                }
            }
        }
        catch (Exception e) when (e is not IngestionException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Whatever the cancel surfaced as (a cancelled read, an aborted socket's IOException), the deadline ended it.
            throw new IngestionException(IngestionFailure.Timeout, $"The pull did not finish within {_options.MaxDuration} (OrleansMedia:Ingestion:MaxDuration).", inner: e);
        }
    }

    private async Task<IngestionResult> PullOnceAsync(Uri url, IObjectStore store, ObjectUri target, int attempt, CancellationToken cancellationToken)
    {
        var current = url;
        for (var hops = 0; ; hops++)
        {
            using var response = await SendAsync(current, cancellationToken).ConfigureAwait(false);
            if (Redirects.Contains(response.StatusCode) && response.Headers.Location is { } location)
            {
                if (hops >= _options.MaxRedirects)
                {
                    throw new IngestionException(IngestionFailure.Network, $"More than {_options.MaxRedirects} redirects.");
                }

                current = new Uri(current, location);
                CheckScheme(current);
                continue;
            }

            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                throw new TransientException(new IngestionException(IngestionFailure.HttpStatus, $"The server answered {status} {response.ReasonPhrase}.", status));
            }

            if (status is < 200 or >= 300)
            {
                throw new IngestionException(IngestionFailure.HttpStatus, $"The server answered {status} {response.ReasonPhrase}.", status);
            }

            var declared = response.Content.Headers.ContentLength;
            if (declared > _options.MaxBytes)
            {
                throw new IngestionException(IngestionFailure.TooLarge, $"The body has {declared} bytes, more than the cap of {_options.MaxBytes}.");
            }

            var contentType = response.Content.Headers.ContentType?.ToString();
            var size = declared is { } length && length <= _options.SinglePutMaxBytes
                ? await PutBodyAsync(response, store, target.Key, contentType, length, cancellationToken).ConfigureAwait(false)
                : await CopyBodyAsync(response, store, target.Key, contentType, declared, cancellationToken).ConfigureAwait(false);
            return new IngestionResult(target, size, contentType, current, attempt);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken cancellationToken)
    {
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(_options.IdleTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (Find<ForbiddenAddressException>(e) is { } forbidden)
        {
            throw new IngestionException(IngestionFailure.ForbiddenAddress, forbidden.Message, inner: e);
        }
        catch (HttpRequestException e) when (Find<UnknownHostException>(e) is { } unknown)
        {
            throw new IngestionException(IngestionFailure.UnknownHost, unknown.Message, inner: e);
        }
        catch (HttpRequestException e) when (Find<AuthenticationException>(e) is { } tls)
        {
            // The certificate (or the server's refusal) will be the same on the next attempt.
            throw new IngestionException(IngestionFailure.Tls, $"The TLS handshake with '{url.Host}' failed: {tls.Message}", inner: e);
        }
        catch (HttpRequestException e) when (Find<TimeoutException>(e) is not null || e.InnerException is OperationCanceledException)
        {
            throw new TransientException(new IngestionException(IngestionFailure.Timeout, $"No connection to '{url.Host}' within {_options.ConnectTimeout}.", inner: e));
        }
        catch (HttpRequestException e)
        {
            throw new TransientException(new IngestionException(IngestionFailure.Network, $"The request to '{url.Host}' failed: {e.Message}", inner: e));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientException(new IngestionException(IngestionFailure.Timeout, $"'{url.Host}' sent no response within {_options.IdleTimeout}.", inner: e));
        }
    }

    /// <summary>A body of known length as one streamed PUT: the bytes pass through without being buffered.</summary>
    private async Task<long> PutBodyAsync(HttpResponseMessage response, IObjectStore store, string key, string? contentType, long length, CancellationToken cancellationToken)
    {
        IdleGuardStream? guarded = null;
        try
        {
            guarded = new IdleGuardStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _options.IdleTimeout, length, cancellationToken);
            var info = await store.PutAsync(key, guarded, length, contentType, cancellationToken).ConfigureAwait(false);
            return info.Size;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not IngestionException)
        {
            throw BodyFailure(e, store, key, guarded?.BytesRead ?? 0);
        }
        finally
        {
            if (guarded is not null)
            {
                await guarded.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<long> CopyBodyAsync(HttpResponseMessage response, IObjectStore store, string key, string? contentType, long? declared, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        IdleGuardStream? body = null;
        try
        {
            // Source reads fail as SourceReadException (the guard wraps them); anything else here is the store's.
            await using var write = store.OpenWrite(key, new WriteOptions { ContentType = contentType, PartSizeBytes = _options.PartSizeBytes, MaxPartsInFlight = _options.PartsInFlight });
            body = new IdleGuardStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _options.IdleTimeout, declared, cancellationToken);
            while (true)
            {
                var n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                if (body.BytesRead > _options.MaxBytes)
                {
                    throw new IngestionException(IngestionFailure.TooLarge, $"The body passed the cap of {_options.MaxBytes} bytes.");
                }

                await write.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            var info = await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return info.Size;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not IngestionException)
        {
            throw BodyFailure(e, store, key, body?.BytesRead ?? 0);
        }
        finally
        {
            if (body is not null)
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// What a failure while the body moves means: the source's (a stall, a reset: worth another attempt) when a read
    /// of the source raised it, else the store's (reported as such, not retried: the source was not at fault).
    /// </summary>
    private Exception BodyFailure(Exception e, IObjectStore store, string key, long bytesRead)
    {
        if (Find<SourceReadException>(e) is { InnerException: { } source })
        {
            return new TransientException(source is TimeoutException
                ? new IngestionException(IngestionFailure.Timeout, $"The body stalled for {_options.IdleTimeout} after {bytesRead} bytes.", inner: e)
                : new IngestionException(IngestionFailure.Network, $"The transfer broke off after {bytesRead} bytes: {source.Message}", inner: e));
        }

        LogStorageFailed(_logger, store.Bucket, bytesRead, e);
        return new IngestionException(
            IngestionFailure.Storage, $"The store failed to write '{key}' in bucket '{store.Bucket}' after {bytesRead} bytes of the body: {e.Message}", inner: e);
    }

    /// <summary>
    /// One read of the source under the idle timeout (a stall throws <see cref="TimeoutException"/>). The clock runs
    /// only while this read waits: the time the store takes between reads (a slow uplink, every part slot busy) is not
    /// the source stalling.
    /// </summary>
    private static async ValueTask<int> ReadWithinAsync(Stream source, Memory<byte> buffer, TimeSpan idle, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(idle);
        try
        {
            return await source.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No bytes for {idle}.", e);
        }
    }

    /// <summary>The SSRF guard: resolve, check every address, connect to a checked one.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
        {
            // The name does not exist (NXDOMAIN): final. A resolver that did not answer (TryAgain) stays transient.
            throw new UnknownHostException(host, e);
        }

        if (addresses.Length == 0)
        {
            throw new UnknownHostException(host, null);
        }

        // All must pass: with one internal address among public ones, which one a connection reaches is the DNS
        // server's choice, not ours.
        foreach (var address in addresses)
        {
            if (!_policy.IsAllowed(address))
            {
                LogForbidden(_logger, host, address);
                throw new ForbiddenAddressException(host, address);
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    private static void CheckScheme(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new IngestionException(IngestionFailure.InvalidUrl, $"Only http and https URLs can be pulled (got '{(url.IsAbsoluteUri ? url.Scheme : "relative")}').");
        }
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T t)
            {
                return t;
            }
        }

        return null;
    }

    // Hosts only: a URL's query may be a credential (presigned URLs).
    [LoggerMessage(1, LogLevel.Information, "Pull from {Host} failed (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string host, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Warning, "Pull refused: {Host} resolves to the internal address {Address}")]
    private static partial void LogForbidden(ILogger logger, string host, IPAddress address);

    [LoggerMessage(3, LogLevel.Warning, "Pull failed on the store's side: bucket {Bucket} refused or failed the write after {BytesRead} bytes of the body")]
    private static partial void LogStorageFailed(ILogger logger, string bucket, long bytesRead, Exception exception);

    /// <summary>
    /// The source body with the idle timeout on every read. Every failure of a read (a stall as a
    /// <see cref="TimeoutException"/>, a reset, a body ending before its announced length) comes out as a
    /// <see cref="SourceReadException"/>, so that it is told apart from the store's failures whatever the store
    /// wraps it in.
    /// </summary>
    private sealed class IdleGuardStream(Stream inner, TimeSpan idle, long? length, CancellationToken cancellationToken) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => BytesRead;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken token) => ReadAsync(buffer.AsMemory(offset, count), token).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
        {
            int n;
            try
            {
                n = await ReadWithinAsync(inner, buffer, idle, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SourceReadException(e);
            }

            if (n == 0 && !buffer.IsEmpty && length is { } announced && BytesRead != announced)
            {
                throw new SourceReadException(new IOException($"The body ended after {BytesRead} of {announced} bytes."));
            }

            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A read of the source failed (<see cref="Exception.InnerException"/> says how): not the store's doing.</summary>
    private sealed class SourceReadException(Exception inner) : IOException(inner.Message, inner);

    /// <summary>The host name does not resolve: no address to connect to, on this attempt or any other.</summary>
    private sealed class UnknownHostException(string host, SocketException? inner)
        : IOException($"The host '{host}' does not resolve{(inner is null ? "" : $" ({inner.Message})")}.", inner);

    /// <summary>A failure worth another attempt; carries what to report when none is left.</summary>
    private sealed class TransientException(IngestionException failure) : Exception(failure.Message, failure)
    {
        public IngestionException Failure { get; } = failure;
    }
}
