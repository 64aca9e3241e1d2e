using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Hosting;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// The silo's <c>keys</c> verb, run against the cluster's store:
/// <code>
/// dotnet run --project src/Orleans.Media.Silo -- keys create --permission 'imm:*@project/media-*' [--permission …] [--description text]
/// dotnet run --project src/Orleans.Media.Silo -- keys list
/// dotnet run --project src/Orleans.Media.Silo -- keys revoke &lt;AccessKeyId&gt;
/// dotnet run --project src/Orleans.Media.Silo -- keys token &lt;AccessKeyId&gt; [--hours 12]
/// </code>
/// <c>create</c> prints the secret once, on standard output only (never to the log). The host calls
/// <see cref="RunAsync"/> with its services when <see cref="IsKeysCommand"/> is true — after starting the host
/// (keys are grains: the grain runtime must be running; a silo for the CLI run needs no worker role and can
/// listen on port 0). If the store does not answer within <see cref="StoreTimeout"/> the verb fails instead of hanging.
/// On the embedded default with a silo running on the same data directory, the verb goes through that silo's admin
/// API instead (<see cref="TryRunThroughRunningSiloAsync"/>); with no silo running it works on the SQLite file.
/// </summary>
public static class AccessKeyCommand
{
    public const string Usage = """
        usage: keys create --permission <action@resource> [--permission ...] [--description <text>]
               keys list
               keys revoke <AccessKeyId>
               keys token <AccessKeyId> [--hours <n>]
        permissions: action and resource globs, e.g. 'imm:*@project/media-*'; '*@*' is admin.
        """;

    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static bool IsKeysCommand(string[] args) => args.Length > 0 && args[0] == "keys";

    /// <summary>
    /// On the embedded default, when a silo runs on the data directory, runs the verb through that silo's admin API
    /// (see <see cref="AccessKeyRunningSilo"/>); null when nothing holds the directory or a cluster
    /// (<c>ConnectionStrings:Postgres</c>) is configured — the verb then joins the store itself.
    /// </summary>
    public static async Task<int?> TryRunThroughRunningSiloAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (configuration.GetConnectionString("Postgres") is { Length: > 0 })
        {
            return null; // A cluster member: its grains are the cluster's single activations.
        }

        var silo = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        return await AccessKeyRunningSilo.TryRunAsync(args, new DataDirectory(silo.DataDir), StoreTimeout, output, error, cancellationToken);
    }

    /// <returns>The process exit code: 0 done, 1 refused (unknown key), 2 usage error.</returns>
    public static async Task<int> RunAsync(string[] args, IServiceProvider services, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IAccessKeyStore>();
        var verb = args.Length > 1 ? args[1] : "";
        try
        {
            switch (verb)
            {
                case "create":
                {
                    var permissions = Options(args, "--permission").Select(AccessKeyPermission.Parse).ToArray();
                    if (permissions.Length == 0)
                    {
                        throw new FormatException("at least one --permission is required.");
                    }

                    var created = await store.CreateAsync(permissions, Options(args, "--description").LastOrDefault(), cancellationToken).WaitAsync(StoreTimeout, cancellationToken);
                    await output.WriteLineAsync(JsonSerializer.Serialize(
                        new { created.AccessKeyId, created.AccessKeySecret, created.Info.Permissions }, Json));
                    return 0;
                }

                case "list":
                    await output.WriteLineAsync(JsonSerializer.Serialize(await store.ListAsync(cancellationToken).WaitAsync(StoreTimeout, cancellationToken), Json));
                    return 0;
                case "revoke" when args.Length > 2:
                    if (!await store.RevokeAsync(args[2], cancellationToken).WaitAsync(StoreTimeout, cancellationToken))
                    {
                        await error.WriteLineAsync($"access key {args[2]} does not exist");
                        return 1;
                    }

                    services.GetRequiredService<AccessKeyResolver>().Invalidate(args[2]); // when run inside a serving silo
                    await output.WriteLineAsync($"revoked {args[2]}");
                    return 0;
                case "token" when args.Length > 2:
                {
                    var hours = Options(args, "--hours").Select(h => double.Parse(h, CultureInfo.InvariantCulture)).LastOrDefault(1);
                    var key = await services.GetRequiredService<AccessKeyResolver>().GetAsync(args[2], cancellationToken).AsTask().WaitAsync(StoreTimeout, cancellationToken);
                    if (key is not { Status: AccessKeyStatus.Active })
                    {
                        await error.WriteLineAsync($"access key {args[2]} does not exist or is revoked");
                        return 1;
                    }

                    var expires = services.GetRequiredService<TimeProvider>().GetUtcNow().AddHours(hours);
                    await output.WriteLineAsync(AccessToken.Issue(key.Id, key.Secret, expires));
                    return 0;
                }

                default:
                    await error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (FormatException e)
        {
            await error.WriteLineAsync(e.Message);
            await error.WriteLineAsync(Usage);
            return 2;
        }
        catch (TimeoutException)
        {
            await error.WriteLineAsync($"the access-key store did not answer within {StoreTimeout.TotalSeconds:0} s: is the host (grain runtime) started?");
            return 1;
        }
    }

    internal static IEnumerable<string> Options(string[] args, string name)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == name)
            {
                yield return args[i + 1];
            }
        }
    }
}
