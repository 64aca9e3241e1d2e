using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Proves who sent a request (Alibaba V2/V3 signature, Huawei SDK-HMAC-SHA256, X-Auth-Token or bearer token) and
/// returns the caller. Refusals are <see cref="Orleans.Media.Grains.ServiceException"/>s with the vendor's codes.
/// </summary>
public interface IApiAuthenticator
{
    ValueTask<ApiPrincipal> AuthenticateAsync(ApiAuthenticationRequest request, CancellationToken cancellationToken);
}
