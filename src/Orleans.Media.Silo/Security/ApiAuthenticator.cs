using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Verifies the credentials each protocol allows — RPC: V2 (parameters) or V3 (Authorization header); REST: bearer
/// token or V3; Huawei: SDK-HMAC-SHA256 or X-Auth-Token — then the timestamp window, the nonce (replays refused) and
/// the key's status. The nonce is recorded only after the signature is proven, so forged requests cannot burn
/// nonces of real clients.
/// </summary>
public sealed class ApiAuthenticator(
    AccessKeyResolver keys,
    INonceStore nonces,
    IOptions<ApiSecurityOptions> options,
    TimeProvider clock,
    ILogger<ApiAuthenticator> logger) : IApiAuthenticator
{
    private static readonly string[] RpcTimestampFormats = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];
    private readonly ApiSecurityOptions _options = options.Value;

    public async ValueTask<ApiPrincipal> AuthenticateAsync(ApiAuthenticationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var principal = await AuthenticateCoreAsync(request, cancellationToken);
            return principal;
        }
        catch (ServiceException e) when (request.Protocol == ApiProtocol.Huawei)
        {
            throw SecurityErrors.ForHuawei(e);
        }
    }

    private ValueTask<ApiPrincipal> AuthenticateCoreAsync(ApiAuthenticationRequest request, CancellationToken cancellationToken)
    {
        var authorization = request.Http.Headers.Authorization.ToString();
        switch (request.Protocol)
        {
            case ApiProtocol.AlibabaRpc:
                if (authorization.StartsWith(AlibabaV3Signature.Algorithm, StringComparison.Ordinal))
                {
                    return VerifyV3Async(request, authorization, cancellationToken);
                }

                if (request.Parameters.ContainsKey("Signature") || request.Parameters.ContainsKey("AccessKeyId"))
                {
                    return VerifyV2Async(request, cancellationToken);
                }

                throw SecurityErrors.IncompleteSignature("Sign the request with signature V2 (Signature parameter) or V3 (Authorization header).");
            case ApiProtocol.Rest:
                if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    return VerifyTokenAsync(authorization["Bearer ".Length..].Trim(), cancellationToken);
                }

                if (authorization.StartsWith(AlibabaV3Signature.Algorithm, StringComparison.Ordinal))
                {
                    return VerifyV3Async(request, authorization, cancellationToken);
                }

                throw new ServiceException("Unauthorized", "Send Authorization: Bearer <access token> or an ACS3-HMAC-SHA256 signature.", 401);
            default:
                if (authorization.StartsWith(HuaweiSignature.Algorithm, StringComparison.Ordinal))
                {
                    return VerifyHuaweiAsync(request, authorization, cancellationToken);
                }

                if (request.Http.Headers["X-Auth-Token"].ToString() is { Length: > 0 } token)
                {
                    return VerifyTokenAsync(token, cancellationToken);
                }

                throw new ServiceException(HuaweiCodes.Unauthorized, "Unauthorized: send an SDK-HMAC-SHA256 signature or X-Auth-Token.", 401);
        }
    }

    private async ValueTask<ApiPrincipal> VerifyV2Async(ApiAuthenticationRequest request, CancellationToken cancellationToken)
    {
        var p = request.Parameters;
        var accessKeyId = p.GetValueOrDefault("AccessKeyId");
        if (string.IsNullOrEmpty(accessKeyId))
        {
            throw SecurityErrors.MissingCredentials();
        }

        var signature = p.GetValueOrDefault("Signature");
        var nonce = p.GetValueOrDefault("SignatureNonce");
        var timestamp = p.GetValueOrDefault("Timestamp");
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(timestamp))
        {
            throw SecurityErrors.IncompleteSignature("Signature, SignatureNonce and Timestamp are mandatory.");
        }

        if (p.GetValueOrDefault("SignatureMethod") is { } method && method != "HMAC-SHA1")
        {
            throw SecurityErrors.UnsupportedSignature(method);
        }

        if (p.GetValueOrDefault("SignatureVersion") is { } version && version != "1.0")
        {
            throw SecurityErrors.UnsupportedSignature("version " + version);
        }

        var time = ParseTimestamp(timestamp, RpcTimestampFormats);
        CheckWindow(time);
        var key = await ActiveKeyAsync(accessKeyId, cancellationToken);
        if (!AlibabaV2Signature.Verify(key.Secret, request.Http.Method, p, signature))
        {
            throw SecurityErrors.SignatureDoesNotMatch();
        }

        await UseNonceAsync(key.Id, nonce, time, cancellationToken);
        return new ApiPrincipal(key.Id, key.Permissions);
    }

    private async ValueTask<ApiPrincipal> VerifyV3Async(ApiAuthenticationRequest request, string authorization, CancellationToken cancellationToken)
    {
        if (!AlibabaV3Signature.TryParseAuthorization(authorization, out var accessKeyId, out var signedHeaders, out var signature))
        {
            throw SecurityErrors.IncompleteSignature("The Authorization header is not ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=….");
        }

        var headers = request.Http.Headers;
        var signed = new HashSet<string>(signedHeaders.Select(h => h.ToLowerInvariant()), StringComparer.Ordinal);
        // Every x-acs-* header present and the host must be covered, or they could be altered freely.
        foreach (var name in headers.Keys.Select(k => k.ToLowerInvariant()).Where(k => k.StartsWith("x-acs-", StringComparison.Ordinal)).Append("host"))
        {
            if (!signed.Contains(name))
            {
                throw SecurityErrors.IncompleteSignature($"Header {name} must be signed.");
            }
        }

        // The content type decides how the body is read (form parameters or JSON): with a body it must be signed too.
        if (!request.Body.IsEmpty && headers.ContentType.Count > 0 && !signed.Contains("content-type"))
        {
            throw SecurityErrors.IncompleteSignature("Header content-type must be signed.");
        }

        var date = headers["x-acs-date"].ToString();
        var nonce = headers["x-acs-signature-nonce"].ToString();
        if (date.Length == 0 || nonce.Length == 0)
        {
            throw SecurityErrors.IncompleteSignature("x-acs-date and x-acs-signature-nonce are mandatory.");
        }

        var time = ParseTimestamp(date, RpcTimestampFormats);
        CheckWindow(time);

        var bodyHash = AlibabaV3Signature.HexSha256(request.Body.Span);
        var declaredHash = headers["x-acs-content-sha256"].ToString();
        if (declaredHash.Length > 0 && !string.Equals(declaredHash, bodyHash, StringComparison.OrdinalIgnoreCase))
        {
            throw SecurityErrors.SignatureDoesNotMatch();
        }

        var key = await ActiveKeyAsync(accessKeyId, cancellationToken);
        var canonical = AlibabaV3Signature.CanonicalRequest(
            request.Http.Method,
            RawPath(request.Http),
            AlibabaV3Signature.CanonicalQuery(request.Http.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString()))),
            AlibabaV3Signature.CanonicalHeaders(signed, name => HeaderValues(request.Http, name)),
            signed,
            bodyHash);
        var expected = AlibabaV3Signature.Compute(key.Secret, canonical);
        if (!FixedTimeEquals(expected, signature))
        {
            throw SecurityErrors.SignatureDoesNotMatch();
        }

        await UseNonceAsync(key.Id, nonce, time, cancellationToken);
        return new ApiPrincipal(key.Id, key.Permissions);
    }

    private async ValueTask<ApiPrincipal> VerifyHuaweiAsync(ApiAuthenticationRequest request, string authorization, CancellationToken cancellationToken)
    {
        if (!HuaweiSignature.TryParseAuthorization(authorization, out var accessKeyId, out var signedHeaders, out var signature))
        {
            throw SecurityErrors.IncompleteSignature("The Authorization header is not SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=….");
        }

        var signed = signedHeaders.Select(h => h.ToLowerInvariant()).ToArray();
        if (!signed.Contains("host") || !signed.Contains("x-sdk-date"))
        {
            throw SecurityErrors.IncompleteSignature("host and x-sdk-date must be signed.");
        }

        if (!request.Body.IsEmpty && request.Http.Headers.ContentType.Count > 0 && !signed.Contains("content-type"))
        {
            throw SecurityErrors.IncompleteSignature("content-type must be signed.");
        }

        var date = request.Http.Headers["X-Sdk-Date"].ToString();
        var time = ParseTimestamp(date, [HuaweiSignature.DateFormat]);
        CheckWindow(time);

        // The SDK declares X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD for content types other than plain
        // application/json and then signs that literal instead of the body hash, as Huawei's gateway accepts.
        // The declaration itself must be signed; a declared hash must match the body.
        var payloadHash = AlibabaV3Signature.HexSha256(request.Body.Span);
        var declared = request.Http.Headers["X-Sdk-Content-Sha256"].ToString();
        if (declared.Length > 0)
        {
            if (!signed.Contains("x-sdk-content-sha256"))
            {
                throw SecurityErrors.IncompleteSignature("x-sdk-content-sha256 must be signed.");
            }

            if (declared == "UNSIGNED-PAYLOAD")
            {
                payloadHash = declared;
            }
            else if (!string.Equals(declared, payloadHash, StringComparison.OrdinalIgnoreCase))
            {
                throw SecurityErrors.SignatureDoesNotMatch();
            }
        }

        var key = await ActiveKeyAsync(accessKeyId, cancellationToken);
        var canonical = HuaweiSignature.CanonicalRequest(
            request.Http.Method,
            HuaweiSignature.CanonicalUri(request.Http.PathBase.Add(request.Http.Path).Value ?? "/"),
            HuaweiSignature.CanonicalQuery(request.Http.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? "")))),
            HuaweiSignature.CanonicalHeaders(signed, name => string.Join(',', HeaderValues(request.Http, name))),
            signed,
            payloadHash);
        var expected = HuaweiSignature.Compute(key.Secret, date, canonical);
        if (!FixedTimeEquals(expected, signature))
        {
            throw SecurityErrors.SignatureDoesNotMatch();
        }

        // The scheme has no nonce. A replayed write (same signature) is refused within the window; reads may repeat
        // (a client polling twice in one second legitimately sends identical signed GETs).
        if (!HttpMethods.IsGet(request.Http.Method) && !HttpMethods.IsHead(request.Http.Method))
        {
            await UseNonceAsync(key.Id, "sig:" + signature, time, cancellationToken);
        }

        return new ApiPrincipal(key.Id, key.Permissions);
    }

    private async ValueTask<ApiPrincipal> VerifyTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (!AccessToken.TryParse(token, out var accessKeyId, out var expires))
        {
            throw SecurityErrors.TokenInvalid();
        }

        if (expires <= clock.GetUtcNow())
        {
            throw SecurityErrors.TokenInvalid();
        }

        var key = await ActiveKeyAsync(accessKeyId, cancellationToken);
        if (!AccessToken.Verify(token, key.Secret))
        {
            throw SecurityErrors.TokenInvalid();
        }

        return new ApiPrincipal(key.Id, key.Permissions);
    }

    private async ValueTask<ResolvedAccessKey> ActiveKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(accessKeyId, cancellationToken);
        if (key is null)
        {
            SecurityLog.UnknownKey(logger, accessKeyId);
            throw SecurityErrors.KeyNotFound();
        }

        if (key.Status != AccessKeyStatus.Active)
        {
            SecurityLog.InactiveKey(logger, accessKeyId);
            throw SecurityErrors.KeyInactive();
        }

        return key;
    }

    private async ValueTask UseNonceAsync(string accessKeyId, string nonce, DateTimeOffset time, CancellationToken cancellationToken)
    {
        // Remember it until its timestamp leaves the window: after that the timestamp check refuses it anyway.
        if (!await nonces.TryUseAsync(accessKeyId, nonce, time + _options.TimestampWindow, cancellationToken))
        {
            SecurityLog.Replay(logger, accessKeyId);
            throw SecurityErrors.NonceUsed();
        }
    }

    private static DateTimeOffset ParseTimestamp(string value, string[] formats) =>
        DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw SecurityErrors.TimestampMalformed();

    private void CheckWindow(DateTimeOffset time)
    {
        var skew = (clock.GetUtcNow() - time).Duration();
        if (skew > _options.TimestampWindow)
        {
            throw SecurityErrors.TimestampExpired();
        }
    }

    private static string RawPath(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return (request.PathBase + request.Path).ToUriComponent();
        }

        var q = raw.IndexOf('?');
        return q < 0 ? raw : raw[..q];
    }

    private static IEnumerable<string> HeaderValues(HttpRequest request, string name) =>
        name == "host" ? [request.Host.Value ?? ""] : request.Headers[name].Select(v => v ?? "");

    private static bool FixedTimeEquals(string expected, string actual) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(actual.ToLowerInvariant()));
}
