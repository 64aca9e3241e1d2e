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

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning,
        Message = "Created admin access key {AccessKeyId}; its credentials are in {Path} (readable by this user only)")]
    private static partial void AdminKeyWritten(ILogger logger, string accessKeyId, string path);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information,
        Message = "The cluster already has admin access key {AccessKeyId}; no credentials file written for this silo")]
    private static partial void AdminKeyExists(ILogger logger, string accessKeyId);
}
