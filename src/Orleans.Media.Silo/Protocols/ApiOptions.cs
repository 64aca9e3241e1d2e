using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Silo.Protocols;

/// <summary>Protocol-level limits of the front silo (configuration section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest RPC body (form parameters) accepted; larger requests are refused before parsing.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRpcBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest REST / Huawei JSON body accepted.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The <c>HostId</c> reported in Alibaba error bodies; default: the request's Host header.</summary>
    public string? HostId { get; set; }
}
