using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Silo.Hosting;

/// <summary>The silo's own settings, section <c>OrleansMedia</c> (environment <c>OrleansMedia__X</c>).</summary>
public sealed class SiloOptions
{
    public const string Section = "OrleansMedia";

    public const string ApiRole = "api";

    public const string WorkerRole = "worker";

    /// <summary>
    /// Where an embedded silo keeps everything: the SQLite store, local buckets (<c>buckets/B</c>), the first-start
    /// admin key (<c>credentials.json</c>) and the master key that encrypts stored secrets. A user contract: keep stable.
    /// </summary>
    [Required]
    public string DataDir { get; set; } = "./data";

    /// <summary>This silo's name in the membership table; defaults to host name and process id.</summary>
    public string? SiloName { get; set; }

    /// <summary>Comma-separated roles: <c>api</c> serves HTTP APIs, <c>worker</c> runs jobs. Both by default.</summary>
    [Required]
    public string Roles { get; set; } = "api,worker";

    /// <summary>The URL other silos and users reach this silo at (shown in membership; signs local upload URLs).</summary>
    public string? AdvertisedUrl { get; set; }

    /// <summary>The port silos of a cluster talk to each other on (Orleans' silo port); 0 picks a free one at start.
    /// Several silos on one machine need distinct ports.</summary>
    [Range(0, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port Orleans clients connect to (the <c>keys</c> verb, tools); 0 picks a free one at start.</summary>
    [Range(0, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address this silo advertises to the others: set it to the machine's address when the cluster spans machines.</summary>
    [Required]
    public string SiloHost { get; set; } = "127.0.0.1";

    /// <summary>Orleans' cluster id: silos with the same database and cluster id form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "orleans-media";

    /// <summary>
    /// The size in KiB of Kestrel's buffer blocks, one per socket receive (Kestrel's default is 4): larger blocks cut
    /// the CPU of large uploads to <c>/_objects</c>; each request in flight holds at least one block. 4 keeps Kestrel's pool.
    /// </summary>
    [Range(4, 1024)]
    public int ReceiveBlockKiB { get; set; } = 32;

    public IReadOnlyList<string> RoleList =>
        Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.ToLowerInvariant()).Distinct().ToArray();

    public string FullDataDir => Path.GetFullPath(DataDir);
}
