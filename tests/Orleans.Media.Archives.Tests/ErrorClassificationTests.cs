using Orleans.Media.Archives.Native;

namespace Orleans.Media.Archives.Tests;

/// <summary>
/// libarchive's error texts decide whether a failed entry stops the extraction (damage) or is refused alone
/// (a method it cannot decode, a password problem): an unknown codec must never read as corruption.
/// </summary>
public sealed class ErrorClassificationTests
{
    [Theory]
    [InlineData("Unsupported ZIP compression method (9: deflate64)", ArchiveErrorCode.UnsupportedEntry)]
    [InlineData("Unexpected codec ID: 40108", ArchiveErrorCode.UnsupportedEntry)]
    [InlineData("Unknown codec 30202", ArchiveErrorCode.UnsupportedEntry)]
    [InlineData("Unknown compression method", ArchiveErrorCode.UnsupportedEntry)]
    [InlineData("Unsupported filter", ArchiveErrorCode.UnsupportedEntry)]
    [InlineData("lzma compression is not supported", ArchiveErrorCode.UnsupportedEntry)]
    [InlineData("Passphrase required for this entry", ArchiveErrorCode.NoPassword)]
    [InlineData("Incorrect passphrase", ArchiveErrorCode.WrongPassword)]
    [InlineData("Encrypted file is unsupported", ArchiveErrorCode.EncryptionNotSupported)]
    [InlineData("ZIP bad CRC: 0x1c291ca3 should be 0x2e1e0b7b", ArchiveErrorCode.Corrupt)]
    [InlineData("Damaged 7-Zip archive", ArchiveErrorCode.Corrupt)]
    [InlineData("Truncated input file (needed 65536 bytes, only 0 available)", ArchiveErrorCode.Corrupt)]
    public void Messages_map_to_the_code_that_decides_what_happens_next(string message, ArchiveErrorCode expected) =>
        Assert.Equal(expected, ArchiveReader.Classify(message, ArchiveErrorCode.Corrupt));
}
