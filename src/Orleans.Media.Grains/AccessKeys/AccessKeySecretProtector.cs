using System.Security.Cryptography;
using System.Text;

namespace Orleans.Media.Grains.AccessKeys;

/// <summary>
/// Encrypts access-key secrets at rest with AES-256-GCM under a master key. Layout: version (1) · nonce (12) ·
/// ciphertext · tag (16); the key id is the associated data, so a ciphertext copied onto another key fails to open.
/// </summary>
public sealed class AccessKeySecretProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _masterKey;

    public AccessKeySecretProtector(byte[] masterKey)
    {
        if (masterKey.Length != 32)
        {
            throw new ArgumentException("The master key must be 32 bytes.", nameof(masterKey));
        }

        _masterKey = masterKey;
    }

    /// <summary>Reads the master key file, creating it (owner read/write only) when it does not exist.</summary>
    public static AccessKeySecretProtector FromFile(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var fresh = RandomNumberGenerator.GetBytes(32);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var stream = new FileStream(path, options);
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(fresh)));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }

        var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
        return new AccessKeySecretProtector(key);
    }

    public byte[] Protect(string accessKeyId, string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[1 + NonceSize + plain.Length + TagSize];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_masterKey, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize, plain.Length), output.AsSpan(1 + NonceSize + plain.Length), Encoding.UTF8.GetBytes(accessKeyId));
        return output;
    }

    public string Unprotect(string accessKeyId, byte[] protectedSecret)
    {
        if (protectedSecret.Length < 1 + NonceSize + TagSize || protectedSecret[0] != Version)
        {
            throw new CryptographicException("Unknown access-key secret format.");
        }

        var length = protectedSecret.Length - 1 - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(_masterKey, TagSize);
        try
        {
            aes.Decrypt(
                protectedSecret.AsSpan(1, NonceSize),
                protectedSecret.AsSpan(1 + NonceSize, length),
                protectedSecret.AsSpan(1 + NonceSize + length, TagSize),
                plain,
                Encoding.UTF8.GetBytes(accessKeyId));
        }
        catch (AuthenticationTagMismatchException e)
        {
            // The likeliest cause by far is configuration, so say so: the failure is logged with the request.
            throw new CryptographicException(
                $"The stored secret of access key {accessKeyId} does not decrypt with this silo's master key: every silo of a " +
                "cluster must use the same AccessKeys:MasterKeyPath file (or the record was tampered with).", e);
        }

        return Encoding.UTF8.GetString(plain);
    }
}
