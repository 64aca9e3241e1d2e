using System.Security.Cryptography;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// New key material in the vendors' shape: a 24-character id (<c>OMAK</c> + 20 alphanumerics, like Alibaba's
/// <c>LTAI…</c>) and a 30-character secret, both from a cryptographic random source.
/// </summary>
public static class AccessKeyGenerator
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string NewId() => "OMAK" + RandomNumberGenerator.GetString(IdAlphabet, 20);

    public static string NewSecret() => RandomNumberGenerator.GetString(SecretAlphabet, 30);
}
