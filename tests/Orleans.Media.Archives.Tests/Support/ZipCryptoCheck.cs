using System.Buffers.Binary;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>
/// The traditional PKWARE (ZipCrypto) passphrase check, as a reader performs it on the first entry of a zip: the
/// 12-byte encryption header is decrypted with keys derived from the passphrase, and only its last byte is compared
/// (with the CRC's high byte, or the time's when sizes follow the data). Lets a test pick a wrong passphrase that
/// passes this check, so the "passes the check, fails to decode" path is exercised every run.
/// </summary>
internal static class ZipCryptoCheck
{
    public static bool PassesHeaderCheck(byte[] zip, string passphrase)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(zip) != 0x04034b50)
        {
            throw new ArgumentException("Not a zip local file header.");
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(6));
        var time = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(10));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(14));
        var header = 30 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(28));
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
