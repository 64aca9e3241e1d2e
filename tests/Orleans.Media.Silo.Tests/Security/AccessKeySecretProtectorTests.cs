using System.Security.Cryptography;
using System.Text;
using Orleans.Media.Grains.AccessKeys;

namespace Orleans.Media.Silo.Tests.Security;

public sealed class AccessKeySecretProtectorTests
{
    [Fact]
    public void Round_trips_and_never_stores_the_plain_secret()
    {
        var protector = new AccessKeySecretProtector(RandomNumberGenerator.GetBytes(32));
        var secret = AccessKeyGenerator.NewSecret();
        var sealed1 = protector.Protect("OMAK1", secret);
        var sealed2 = protector.Protect("OMAK1", secret);
        Assert.Equal(secret, protector.Unprotect("OMAK1", sealed1));
        Assert.NotEqual(sealed1, sealed2); // fresh nonce each time
        Assert.DoesNotContain(secret, Encoding.Latin1.GetString(sealed1), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_another_key_id_a_tampered_ciphertext_and_another_master_key()
    {
        var protector = new AccessKeySecretProtector(RandomNumberGenerator.GetBytes(32));
        var data = protector.Protect("OMAK1", "s3cr3t");
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("OMAK2", data));
        var tampered = (byte[])data.Clone();
        tampered[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("OMAK1", tampered));
        var otherMaster = Assert.ThrowsAny<CryptographicException>(() => new AccessKeySecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect("OMAK1", data));
        Assert.Contains("AccessKeys:MasterKeyPath", otherMaster.Message);
    }

    [Fact]
    public void Master_key_file_is_created_once_owner_only_and_reused()
    {
        var dir = Directory.CreateTempSubdirectory("master-key-").FullName;
        try
        {
            var path = Path.Combine(dir, "sub", "master.key");
            var first = AccessKeySecretProtector.FromFile(path);
            var data = first.Protect("OMAK1", "s3cr3t");
            Assert.Equal("s3cr3t", AccessKeySecretProtector.FromFile(path).Unprotect("OMAK1", data));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Generated_keys_have_the_vendor_shape()
    {
        var id = AccessKeyGenerator.NewId();
        Assert.Matches("^OMAK[A-Z0-9]{20}$", id);
        Assert.Matches("^[A-Za-z0-9]{30}$", AccessKeyGenerator.NewSecret());
        Assert.NotEqual(id, AccessKeyGenerator.NewId());
    }
}
