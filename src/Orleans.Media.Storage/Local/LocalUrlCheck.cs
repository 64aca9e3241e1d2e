namespace Orleans.Media.Storage.Local;

/// <summary>The outcome of checking a local presigned URL.</summary>
public enum LocalUrlCheck
{
    Valid,

    /// <summary>A parameter is missing or not in its format.</summary>
    Malformed,

    /// <summary>The signature does not match the URL (tampered, or signed with another key).</summary>
    BadSignature,

    /// <summary>The URL is genuine but was signed for another HTTP method.</summary>
    MethodMismatch,

    /// <summary>The URL is genuine but its expiry has passed.</summary>
    Expired,
}
