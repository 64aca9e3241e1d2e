namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// MetaStudio's error codes. API.md documents <c>MSS.00000001</c> (401), <c>MSS.00000003</c> (400) and
/// <c>MSS.00000004</c> (500); the 403/404/429 codes follow the same numbering but are not vendor-verified.
/// </summary>
public static class HuaweiCodes
{
    public const string Unauthorized = "MSS.00000001";
    public const string Forbidden = "MSS.00000002";
    public const string InvalidParameter = "MSS.00000003";
    public const string InternalError = "MSS.00000004";
    public const string NotFound = "MSS.00000005";
    public const string Throttled = "MSS.00000006";

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
