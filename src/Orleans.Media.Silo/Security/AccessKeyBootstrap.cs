using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Media.Grains.AccessKeys;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// First start of the embedded default: create an admin key (<c>*</c> on <c>*</c>) and write it to
/// <c>&lt;data dir&gt;/credentials.json</c> as <c>{"AccessKeyId": …, "AccessKeySecret": …}</c> (owner-only file),
/// logging the path — never the secret. Does nothing when the file already exists, or when the store already
/// holds an active admin key (a silo joining an existing cluster with a fresh data directory).
/// </summary>
public static partial class AccessKeyBootstrap
{
    public static async Task<bool> EnsureAdminKeyAsync(IServiceProvider services, string credentialsPath, CancellationToken cancellationToken)
    {
        if (File.Exists(credentialsPath))
        {
            return false;
        }

        var store = services.GetRequiredService<IAccessKeyStore>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccessKeyBootstrap).FullName!);
        var admin = AccessKeyPermission.Admin.ToString();
        var existing = (await store.ListAsync(cancellationToken))
            .FirstOrDefault(k => k.Status == AccessKeyStatus.Active && k.Permissions.Contains(admin));
        if (existing is not null)
        {
            AdminKeyExists(logger, existing.AccessKeyId);
            return false;
        }

        var created = await store.CreateAsync([AccessKeyPermission.Admin], "admin key created on first start", cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(credentialsPath))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(credentialsPath, options))
        {
            await JsonSerializer.SerializeAsync(stream, new { created.AccessKeyId, created.AccessKeySecret }, cancellationToken: cancellationToken);
        }

        AdminKeyWritten(logger, created.AccessKeyId, credentialsPath);
        return true;
    }

    /// <summary>
    /// Whether this silo's master key opens the cluster's stored access keys (checked on one of them). A silo started
    /// with another master key than the cluster's (a fresh data directory, a mistyped path) would accept no signed
    /// call; it refuses to start instead, naming the setting to fix.
    /// </summary>
    public static async Task<bool> VerifyMasterKeyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IAccessKeyStore>();
        var protector = services.GetRequiredService<AccessKeySecretProtector>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccessKeyBootstrap).FullName!);
        var sample = (await store.ListAsync(cancellationToken)).FirstOrDefault(k => k.Status == AccessKeyStatus.Active);
        if (sample is null || await store.GetAsync(sample.AccessKeyId, cancellationToken) is not { } stored)
        {
            return true; // An empty cluster: this silo's key becomes the cluster's.
        }

        try
        {
            protector.Unprotect(stored.Id, stored.EncryptedSecret);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            var path = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AccessKeyOptions>>().Value.MasterKeyPath;
            MasterKeyMismatch(logger, path, stored.Id);
            return false;
        }
    }

    [LoggerMessage(EventId = 1112, Level = LogLevel.Critical,
        Message = "This silo's master key ({MasterKeyPath}) does not decrypt the cluster's access keys (tried {AccessKeyId}): " +
                  "every silo of a cluster must use the same master key file. Set AccessKeys:MasterKeyPath to the cluster's key " +
                  "(copy it from the first silo's data directory). The silo stops.")]
    private static partial void MasterKeyMismatch(ILogger logger, string masterKeyPath, string accessKeyId);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning,
        Message = "Created admin access key {AccessKeyId}; its credentials are in {Path} (readable by this user only)")]
    private static partial void AdminKeyWritten(ILogger logger, string accessKeyId, string path);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information,
        Message = "The cluster already has admin access key {AccessKeyId}; no credentials file written for this silo")]
    private static partial void AdminKeyExists(ILogger logger, string accessKeyId);
}
