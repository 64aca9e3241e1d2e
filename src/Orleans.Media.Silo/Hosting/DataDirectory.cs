using System.Security.Cryptography;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// The silo's data directory and the files in it that users rely on: <c>orleans-media.db</c> (embedded store),
/// <c>buckets/B</c> (bucket B of the embedded default), <c>credentials.json</c> (first-start admin key),
/// <c>master.key</c> (encrypts stored secrets), <c>local-signing.key</c> (signs local upload/download URLs) and
/// <c>silo.lock</c>/<c>silo.endpoint</c> (the embedded silo's claim and address).
/// </summary>
public sealed class DataDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string SqliteStore => Combine("orleans-media.db");

    public string Buckets => Combine("buckets");

    public string CredentialsFile => Combine("credentials.json");

    public string MasterKeyFile => Combine("master.key");

    public string LocalSigningKeyFile => Combine("local-signing.key");

    /// <summary>Held by the process using the embedded store (<see cref="DataDirectoryLock"/>).</summary>
    public string LockFile => Combine("silo.lock");

    /// <summary>The HTTP address of the silo holding <see cref="LockFile"/>.</summary>
    public string EndpointFile => Combine("silo.endpoint");

    public void Create() => Directory.CreateDirectory(Path);

    /// <summary>
    /// A random secret kept in a file of the data directory, made on first use (owner-only permissions).
    /// Silos of one cluster must share it: configure it explicitly there.
    /// </summary>
    public string ReadOrCreateSecret(string file)
    {
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(file, options);
            writer.Write(secret);
            return secret;
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another process made it first: use theirs.
            return File.ReadAllText(file).Trim();
        }
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);
}
