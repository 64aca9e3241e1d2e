using System.Security.Cryptography;

namespace Orleans.Media.Storage.Tests;

internal static class TestData
{
    public const int MiB = 1024 * 1024;

    /// <summary>Deterministic pseudo-random bytes (seeded), so a failure reproduces.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Md5(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(MD5.HashData(data));

    public static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize = 64 * 1024)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        return copy.ToArray();
    }

    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..10] + "/";
}
