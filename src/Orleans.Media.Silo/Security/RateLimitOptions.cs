using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Silo.Security;

/// <summary>Request rate limits (configuration section <c>Api:RateLimits</c>); token buckets refilled continuously.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Api:RateLimits";

    /// <summary>Sustained requests per second one access key may make (all projects together); 0 = unlimited.</summary>
    [Range(0, 10_000_000)]
    public int PerKeyRequestsPerSecond { get; set; } = 20_000;

    /// <summary>Requests a key may make at once after being idle.</summary>
    [Range(1, 10_000_000)]
    public int PerKeyBurst { get; set; } = 20_000;

    /// <summary>Requests per second for a project whose own setting is unknown; 0 = unlimited.</summary>
    [Range(0, 10_000_000)]
    public int DefaultProjectRequestsPerSecond { get; set; } = 1_000;

    /// <summary>
    /// True (default): the rates above are cluster-wide — each of the N silos serving the API (Active, role api, in
    /// the membership table) admits 1/N of them, which holds when the load balancer spreads requests evenly.
    /// False: every silo admits the whole rate.
    /// </summary>
    public bool ShareAcrossSilos { get; set; } = true;

    /// <summary>How often the number of API silos is read from the membership table.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SiloCountRefresh { get; set; } = TimeSpan.FromSeconds(5);
}
