using Orleans.Media.Grains;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Authentication and authorization refusals with the codes and statuses the Alibaba POP gateway returns
/// (SignatureDoesNotMatch, IncompleteSignature, InvalidAccessKeyId.NotFound / .Inactive, InvalidTimeStamp.Expired,
/// SignatureNonceUsed, Forbidden.RAM; ICE documents plain <c>Forbidden</c>). The Huawei protocol renders the same
/// refusals as <c>MSS.00000001</c> (401), and permission and throttling refusals with the Huawei gateway's
/// <c>APIG.0302</c> (403) / <c>APIG.0308</c> (429), with the message kept.
/// </summary>
public static class SecurityErrors
{
    public static ServiceException SignatureDoesNotMatch() =>
        new("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400);

    public static ServiceException IncompleteSignature(string detail) =>
        new("IncompleteSignature", "The request signature does not conform to Aliyun standards. " + detail, 400);

    public static ServiceException MissingCredentials() =>
        new("MissingAccessKeyId", "AccessKeyId is mandatory for this action.", 400);

    public static ServiceException UnsupportedSignature(string what) =>
        new("InvalidSignatureMethod.Malformed", $"Specified signature method {what} is not supported.", 400);

    public static ServiceException KeyNotFound() =>
        new("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404);

    public static ServiceException KeyInactive() =>
        new("InvalidAccessKeyId.Inactive", "Specified access key is disabled.", 400);

    public static ServiceException TimestampExpired() =>
        new("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400);

    public static ServiceException TimestampMalformed() =>
        new("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.", 400);

    public static ServiceException NonceUsed() =>
        new("SignatureNonceUsed", "Specified signature nonce was used already.", 400);

    public static ServiceException TokenInvalid() =>
        new("InvalidSecurityToken.Malformed", "The access token is malformed, expired or not issued by this service.", 401);

    public static ServiceException NoPermission(string product, string action, string? project) => product switch
    {
        "ice" => new ServiceException("Forbidden", "User not authorized to operate on the specified resource.", 403),
        _ => new ServiceException(
            "Forbidden.RAM",
            $"User not authorized to operate on the specified resource. Action: {action} Resource: {(project is null ? "*" : "project/" + project)}",
            403),
    };

    public static ServiceException Throttled(string scope) =>
        new("Throttling.User", $"Request was denied due to user flow control ({scope}).", 429);

    /// <summary>Huawei APIs answer every authentication failure as 401 <c>MSS.00000001</c>, keeping the reason.</summary>
    public static ServiceException ForHuawei(ServiceException e) =>
        e.Code.StartsWith("MSS.", StringComparison.Ordinal) || e.Code.StartsWith("APIG.", StringComparison.Ordinal)
            ? e
            : e.HttpStatus switch
            {
                403 => new ServiceException(HuaweiCodes.Forbidden, e.Message, 403),
                429 => new ServiceException(HuaweiCodes.Throttled, e.Message, 429),
                _ => new ServiceException(HuaweiCodes.Unauthorized, $"Unauthorized: {e.Message} ({e.Code})", 401),
            };
}
