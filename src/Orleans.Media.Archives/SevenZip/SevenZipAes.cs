using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Archives.SevenZip;

/// <summary>
/// 7z's AES-256 coder (method 06F10701): CBC with a key of SHA-256 iterated 2^cycles times over salt, the UTF-16LE
/// password and a 64-bit counter. Its properties carry the cycle power, salt and IV.
/// </summary>
internal static class SevenZipAes
{
    public static readonly byte[] MethodId = [0x06, 0xF1, 0x07, 0x01];

    // 7-Zip itself refuses more than 2^24 rounds; a hostile header cannot make key derivation run for hours.
    private const int MaxCyclesPower = 24;

    // Records hashed per AppendData call: one call per round would cost more than the hashing itself.
    private const int RecordsPerBatch = 4096;

    /// <summary>The coder's properties: cycle power, salt and IV (zero-padded to 16 bytes). Throws on damage.</summary>
    public static (int CyclesPower, byte[] Salt, byte[] Iv) ParseProperties(ReadOnlySpan<byte> properties)
    {
        if (properties.Length == 0)
        {
            throw new InvalidDataException("7z AES coder without properties");
        }

        var first = properties[0];
        var cycles = first & 0x3F;
        if ((first & 0xC0) == 0)
        {
            return (cycles, [], new byte[16]);
        }

        if (properties.Length < 2)
        {
            throw new InvalidDataException("7z AES properties truncated");
        }

        var second = properties[1];
        var saltSize = ((first >> 7) & 1) + (second >> 4);
        var ivSize = ((first >> 6) & 1) + (second & 0x0F);
        if (properties.Length < 2 + saltSize + ivSize)
        {
            throw new InvalidDataException("7z AES properties truncated");
        }

        var iv = new byte[16];
        properties.Slice(2 + saltSize, ivSize).CopyTo(iv);
        return (cycles, properties.Slice(2, saltSize).ToArray(), iv);
    }

    /// <summary>The AES-256 key for <paramref name="password"/>; throws <see cref="NotSupportedException"/> past 2^24 rounds.</summary>
    public static byte[] DeriveKey(string password, byte[] salt, int cyclesPower)
    {
        var secret = Encoding.Unicode.GetBytes(password);
        if (cyclesPower == 0x3F)
        {
            // No hashing: salt and password bytes, zero-padded or cut to 32.
            var raw = new byte[32];
            var joined = salt.Concat(secret).Take(32).ToArray();
            joined.CopyTo(raw, 0);
            return raw;
        }

        if (cyclesPower > MaxCyclesPower)
        {
            throw new NotSupportedException($"7z AES key derivation of 2^{cyclesPower} rounds is not supported (at most 2^{MaxCyclesPower})");
        }

        var record = salt.Length + secret.Length + 8;
        var batch = new byte[record * RecordsPerBatch];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var rounds = 1L << cyclesPower;
        for (var round = 0L; round < rounds;)
        {
            var inBatch = (int)Math.Min(RecordsPerBatch, rounds - round);
            for (var r = 0; r < inBatch; r++, round++)
            {
                var at = batch.AsSpan(r * record, record);
                salt.CopyTo(at);
                secret.CopyTo(at[salt.Length..]);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(at[(salt.Length + secret.Length)..], round);
            }

            sha.AppendData(batch, 0, inBatch * record);
        }

        return sha.GetHashAndReset();
    }
}
