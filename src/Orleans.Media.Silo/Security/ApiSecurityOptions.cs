using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Silo.Security;

/// <summary>Authentication settings (configuration section <c>Api:Security</c>).</summary>
public sealed class ApiSecurityOptions
{
    public const string Section = "Api:Security";

    /// <summary>How far a request's timestamp may be from the silo's clock, either way (the vendors use 15 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan TimestampWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a silo trusts a key it has read (status, permissions, secret) before reading it again: the most a
    /// revocation made on another silo takes to reach this one. Revocations made on this silo apply at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest lifetime of an issued access token.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromDays(1);
}
