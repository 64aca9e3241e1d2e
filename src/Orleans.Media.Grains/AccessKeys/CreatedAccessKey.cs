namespace Orleans.Media.Grains.AccessKeys;

/// <summary>A newly created key: the only moment the plain secret leaves the store. Show it once; never log it.</summary>
public sealed record CreatedAccessKey(string AccessKeyId, string AccessKeySecret, AccessKeyInfo Info)
{
    // Records print every property; this one must never print the secret.
    public override string ToString() => $"CreatedAccessKey {{ AccessKeyId = {AccessKeyId} }}";
}
