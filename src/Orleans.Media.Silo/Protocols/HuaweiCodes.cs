namespace Orleans.Media.Silo.Protocols;

/// <summary>MetaStudio's error codes (<c>MSS.</c> prefix) as the vendor documents them.</summary>
public static class HuaweiCodes
{
    public const string Unauthorized = "MSS.00000001";
    public const string Forbidden = "MSS.00000002";
    public const string InvalidParameter = "MSS.00000003";
    public const string InternalError = "MSS.00000004";
    public const string NotFound = "MSS.00000005";
    public const string Throttled = "MSS.00000006";

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
