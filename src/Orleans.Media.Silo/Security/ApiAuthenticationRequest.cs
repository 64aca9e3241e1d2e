using Microsoft.AspNetCore.Http;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>What a signature is computed over: the HTTP request, its buffered body and (RPC) every parameter.</summary>
/// <param name="Protocol">The protocol that carried the request.</param>
/// <param name="Http">The request (method, path, query, headers).</param>
/// <param name="Body">The whole body, already read within the size limit.</param>
/// <param name="Parameters">RPC: query and form parameters together, signature parameters included.</param>
public sealed record ApiAuthenticationRequest(
    ApiProtocol Protocol,
    HttpRequest Http,
    ReadOnlyMemory<byte> Body,
    IReadOnlyDictionary<string, string> Parameters);
