using System.Buffers.Binary;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>
/// The traditional PKWARE (ZipCrypto) passphrase check, as a reader performs it on each entry of a zip: the
/// 12-byte encryption header is decrypted with keys derived from the passphrase, and only its last byte is compared
/// (with the CRC's high byte, or the time's when sizes follow the data). Lets a test pick a wrong passphrase that
/// passes this check, so the "passes the check, fails to decode" path is exercised every run.
/// </summary>
internal static class ZipCryptoCheck
{
    public static bool PassesHeaderCheck(byte[] zip, string passphrase) => PassesHeaderCheck(zip, 0, passphrase);

    /// <summary>Every encrypted entry of the zip (from its central directory): name, method, size, local header offset.</summary>
    public static IReadOnlyList<(string Name, int Method, long Size, int LocalHeader)> EncryptedEntries(byte[] zip)
    {
        var end = zip.AsSpan().LastIndexOf((ReadOnlySpan<byte>)[0x50, 0x4b, 0x05, 0x06]);
        if (end < 0)
        {
            throw new ArgumentException("No end of central directory.");
        }

        var count = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        var at = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        var entries = new List<(string, int, long, int)>();
        for (var i = 0; i < count; i++)
        {
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 8));
            var method = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 10));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 24));
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            var extra = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 30));
            var comment = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 32));
            var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
            if ((flags & 1) != 0)
            {
                entries.Add((System.Text.Encoding.UTF8.GetString(zip, at + 46, nameLength), method, size, local));
            }

            at += 46 + nameLength + extra + comment;
        }

        return entries;
    }

    /// <summary>The check on the entry whose local header is at <paramref name="localHeader"/>.</summary>
    public static bool PassesHeaderCheck(byte[] zip, int localHeader, string passphrase)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(localHeader)) != 0x04034b50)
        {
            throw new ArgumentException("Not a zip local file header.");
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(localHeader + 6));
        var time = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(localHeader + 10));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(localHeader + 14));
        var header = localHeader + 30 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(localHeader + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(localHeader + 28));
        var expected = (flags & 0x8) != 0 ? (byte)(time >> 8) : (byte)(crc >> 24);

        uint k0 = 0x12345678, k1 = 0x23456789, k2 = 0x34567890;
        void Update(byte c)
        {
            k0 = Crc(k0, c);
            k1 = unchecked(((k1 + (k0 & 0xff)) * 134775813) + 1);
            k2 = Crc(k2, (byte)(k1 >> 24));
        }

        foreach (var c in System.Text.Encoding.UTF8.GetBytes(passphrase))
        {
            Update(c);
        }

        byte last = 0;
        for (var i = 0; i < 12; i++)
        {
            var temp = (ushort)(k2 | 2);
            last = (byte)(zip[header + i] ^ (byte)((temp * (temp ^ 1)) >> 8));
            Update(last);
        }

        return last == expected;
    }

    /// <summary>One step of the CRC-32 the key schedule uses (the zip polynomial, no final inversion).</summary>
    private static uint Crc(uint crc, byte b)
    {
        crc ^= b;
        for (var i = 0; i < 8; i++)
        {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }

        return crc;
    }
}
