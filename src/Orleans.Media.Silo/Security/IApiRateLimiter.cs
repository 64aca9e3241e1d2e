using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>Admits or throttles one call per access key and per project (token buckets).</summary>
public interface IApiRateLimiter
{
    /// <summary>Takes a token for the key and, when given, the project; throws the vendor's throttling error.</summary>
    void Acquire(ApiPrincipal principal, string product, string? project);
}
