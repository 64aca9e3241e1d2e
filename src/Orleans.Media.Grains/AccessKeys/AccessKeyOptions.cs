using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>Where the master key that encrypts access-key secrets at rest lives (configuration section <c>AccessKeys</c>).</summary>
public sealed class AccessKeyOptions
{
    public const string Section = "AccessKeys";

    /// <summary>
    /// Path of the master key file (32 random bytes, base64), normally <c>&lt;data dir&gt;/master.key</c>; created
    /// with owner-only permissions on first use. Losing it makes every stored secret unreadable.
    /// </summary>
    [Required]
    public string MasterKeyPath { get; set; } = "";
}
