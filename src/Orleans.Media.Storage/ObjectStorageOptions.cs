namespace Orleans.Media.Storage;

/// <summary>The bucket registry's configuration, section <c>OrleansMedia:Storage</c>.</summary>
public sealed class ObjectStorageOptions
{
    public const string SectionName = "OrleansMedia:Storage";

    /// <summary>Explicitly configured buckets by name (names compare ordinally, like S3).</summary>
    public Dictionary<string, BucketOptions> Buckets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// When set, any bucket name not configured in <see cref="Buckets"/> is the folder <c>&lt;DefaultLocalRoot&gt;/&lt;bucket&gt;</c>
    /// (the embedded default is <c>&lt;data dir&gt;/buckets</c>): a user drops a file at <c>buckets/B/K</c> and names it <c>oss://B/K</c>.
    /// </summary>
    public string? DefaultLocalRoot { get; set; }

    /// <summary>
    /// HMAC-SHA256 key for presigned URLs of local buckets. Every silo of a cluster needs the same value; when unset a
    /// random per-process key is used, so URLs are only valid on the silo that issued them.
    /// </summary>
    public string? LocalSigningKey { get; set; }

    /// <summary>
    /// Whether local buckets write the parts of presigned multipart uploads around the page cache (O_DIRECT, where the
    /// file system has it), as MinIO writes large objects: no page-cache copy or writeback for the kernel, and a
    /// completion that does not wait on gigabytes of dirty pages. Each 1 MiB write waits for the device on a pool
    /// thread (0.4 ms on the disk measured). Off suits a network file system (every write would wait on the server),
    /// or a disk much slower than memory that takes uploads smaller than the kernel's dirty-page limit in bursts.
    /// </summary>
    public bool LocalUncachedPartWrites { get; set; } = true;

    /// <summary>The silo's public base URL that serves local presigned URLs (<c>/_objects/...</c>).</summary>
    public string? LocalPublicBaseUrl { get; set; }
}
