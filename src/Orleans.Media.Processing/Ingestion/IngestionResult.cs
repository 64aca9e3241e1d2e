using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Ingestion;

/// <summary>A finished pull: the object written, the size and type the server sent, the URL after redirects.</summary>
public sealed record IngestionResult(ObjectUri Target, long Size, string? ContentType, Uri FinalUrl, int Attempts);

public enum IngestionFailure
{
    /// <summary>Not an absolute http(s) URL, or a redirect to another scheme.</summary>
    InvalidUrl,

    /// <summary>The host resolves to an address pulls may not reach (SSRF guard).</summary>
    ForbiddenAddress,

    /// <summary>The server answered 4xx (or 5xx on the last attempt); <see cref="IngestionException.StatusCode"/> says which.</summary>
    HttpStatus,

    /// <summary>The body is larger than the cap.</summary>
    TooLarge,

    /// <summary>No connection, headers or bytes within the time limits, on every attempt.</summary>
    Timeout,

    /// <summary>The connection failed or was reset on every attempt; or too many redirects.</summary>
    Network,

    /// <summary>
    /// The host name does not resolve (NXDOMAIN, or no address): not retried. A DNS server that fails to answer
    /// (SERVFAIL, no reply) is a <see cref="Network"/> failure and is retried.
    /// </summary>
    UnknownHost,

    /// <summary>
    /// The TLS handshake failed: the certificate is invalid (untrusted, expired, for another name) or the server
    /// refused the handshake. Not retried: another attempt meets the same certificate.
    /// </summary>
    Tls,

    /// <summary>
    /// The source was read fine but the target store refused or failed the write (a missing bucket, an unreachable
    /// or failing S3 endpoint, a full disk, a key the folder cannot hold). Not retried here: the S3 client already
    /// retries what is transient on its side, and fetching the source again would not help the store.
    /// </summary>
    Storage,
}

/// <summary>A pull that failed; nothing was written to the target.</summary>
public sealed class IngestionException(IngestionFailure failure, string message, int? statusCode = null, Exception? inner = null)
    : Exception(message, inner)
{
    public IngestionFailure Failure { get; } = failure;

    public int? StatusCode { get; } = statusCode;
}
