using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using SharpCompress.Common;

namespace Orleans.Media.Archives.Managed;

/// <summary>
/// RAR 5 stores an encrypted file's CRC-32 keyed by the password: HMAC-SHA256 of the CRC under a hash key that the
/// password's PBKDF2 chain yields 16 iterations after the AES key, folded to 32 bits. SharpCompress 0.50.9 does not
/// check it, so damaged encrypted data would decode to garbage unnoticed; the salt and iteration count come from its
/// (internal) file header, read here by reflection against that pinned version.
/// </summary>
internal static class Rar5Checksum
{
    private static readonly PropertyInfo? FileHeader = Type.GetType("SharpCompress.Common.Rar.RarEntry, SharpCompress")?.GetProperty("FileHeader", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);

    /// <summary>The stored value <paramref name="crc"/> becomes for this entry, or null when the header gives no salt.</summary>
    public static uint? Keyed(IEntry entry, string password, uint crc, Dictionary<string, byte[]> keys)
    {
        var header = FileHeader?.GetValue(entry);
        var info = header?.GetType().GetProperty("Rar5CryptoInfo", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(header);
        if (info?.GetType() is not { } type
            || Read(type, info, "Salt") is not byte[] salt
            || Read(type, info, "LG2Count") is not int lg2Count
            || lg2Count is < 0 or > 24)
        {
            return null;
        }

        var id = Convert.ToHexString(salt) + ":" + lg2Count;
        if (!keys.TryGetValue(id, out var hashKey))
        {
            keys[id] = hashKey = HashKey(password, salt, lg2Count);
        }

        Span<byte> raw = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(raw, crc);
        Span<byte> digest = stackalloc byte[32];
        HMACSHA256.HashData(hashKey, raw, digest);
        uint folded = 0;
        for (var i = 0; i < digest.Length; i++)
        {
            folded ^= (uint)digest[i] << ((i & 3) * 8);
        }

        return folded;
    }

    private static object? Read(Type type, object target, string name) =>
        (object?)type.GetProperty(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(target)
        ?? type.GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(target);

    /// <summary>RAR 5's PBKDF2-HMAC-SHA256 chain: the AES key after 2^lg2Count iterations, the hash key 16 later.</summary>
    private static byte[] HashKey(string password, byte[] salt, int lg2Count)
    {
        var pwd = Encoding.UTF8.GetBytes(password);
        using var hmac = new HMACSHA256(pwd);
        var u = hmac.ComputeHash([.. salt, 0, 0, 0, 1]);
        var fn = (byte[])u.Clone();
        var count = (1 << lg2Count) - 1 + 16;
        for (var i = 0; i < count; i++)
        {
            u = hmac.ComputeHash(u);
            for (var j = 0; j < fn.Length; j++)
            {
                fn[j] ^= u[j];
            }
        }

        return fn;
    }
}
