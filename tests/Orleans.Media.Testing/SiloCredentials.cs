namespace Orleans.Media.Testing;

/// <summary>The admin access key a silo writes to <c>&lt;data dir&gt;/credentials.json</c> on first start.</summary>
public sealed record SiloCredentials(string AccessKeyId, string AccessKeySecret);
