namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// MetaStudio's error codes and the Huawei API gateway's. API.md documents <c>MSS.00000001</c> (401),
/// <c>MSS.00000003</c> (400) and <c>MSS.00000004</c> (500); MetaStudio's error-code table adds <c>MSS.00000002</c>
/// "Invalid body" (400). Refusals of authorization and throttling come from Huawei's API gateway in front of
/// MetaStudio, with its codes (<c>APIG.0302</c> 403, <c>APIG.0308</c> 429, <c>APIG.0101</c> 404 for an unpublished
/// path). <c>MSS.00000005</c> for a missing resource follows MetaStudio's numbering but is not vendor-verified.
/// </summary>
public static class HuaweiCodes
{
    public const string Unauthorized = "MSS.00000001";
    public const string InvalidBody = "MSS.00000002";
    public const string InvalidParameter = "MSS.00000003";
    public const string InternalError = "MSS.00000004";
    public const string NotFound = "MSS.00000005";

    /// <summary>The gateway's "The IAM user is not authorized to access the API".</summary>
    public const string Forbidden = "APIG.0302";

    /// <summary>The gateway's "The throttling threshold has been reached".</summary>
    public const string Throttled = "APIG.0308";

    /// <summary>Huawei's API gateway code for a path no API is published on.</summary>
    public const string ApiNotFound = "APIG.0101";

    /// <summary>The Huawei code for a refusal raised in another vocabulary (validation, auth, throttling).</summary>
    public static string FromStatus(int status) => status switch
    {
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        429 => Throttled,
        >= 500 => InternalError,
        _ => InvalidParameter,
    };
}
