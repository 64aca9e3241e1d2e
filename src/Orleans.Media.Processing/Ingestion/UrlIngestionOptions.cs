using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Orleans.Media.Processing.Ingestion;

/// <summary>URL ingestion's limits, section <c>OrleansMedia:Ingestion</c>.</summary>
public sealed class UrlIngestionOptions
{
    public const string SectionName = "OrleansMedia:Ingestion";

    /// <summary>A body larger than this (announced or streamed) fails the pull.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxBytes { get; set; } = 50L * 1024 * 1024 * 1024;

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait for response headers or for the next bytes of the body.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a pull may take in all, its retries included: a source that sends a byte just within every
    /// <see cref="IdleTimeout"/> would otherwise hold its pull (and a connection) for ever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Further attempts after a transient failure (5xx, a reset, a timeout); 4xx is never retried.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; each further one doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(0, 20)]
    public int MaxRedirects { get; set; } = 5;

    /// <summary>
    /// A body of known length up to this size goes to storage as one streamed PUT (no buffering at all); longer or
    /// unknown-length bodies go multipart. 0: always multipart. S3 allows single PUTs up to 5 GiB.
    /// </summary>
    [Range(0L, 5L * 1024 * 1024 * 1024)]
    public long SinglePutMaxBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>The storage write's part size: bodies above it become multipart uploads; memory stays near PartSize x (PartsInFlight + 1).</summary>
    [Range(5 * 1024 * 1024, 512 * 1024 * 1024)]
    public int PartSizeBytes { get; set; } = 16 * 1024 * 1024;

    [Range(1, 16)]
    public int PartsInFlight { get; set; } = 4;

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.1.0.0/16</c>, <c>127.0.0.1/32</c>) that may be reached although they are loopback,
    /// private, link-local or otherwise internal. Empty: only public addresses.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];
}

/// <summary>Refuses allow-list entries that are not CIDR networks, naming them.</summary>
public sealed class UrlIngestionOptionsValidator : IValidateOptions<UrlIngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, UrlIngestionOptions options)
    {
        var bad = options.AllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _)).ToList();
        return bad.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(bad.Select(b => $"{UrlIngestionOptions.SectionName}:AllowedNetworks: '{b}' is not a CIDR network such as 10.0.0.0/8."));
    }
}
