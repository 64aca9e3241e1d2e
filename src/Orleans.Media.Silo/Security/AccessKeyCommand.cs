using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Grains.AccessKeys;

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
/// <see cref="RunAsync"/> with its built services when <see cref="IsKeysCommand"/> is true.
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

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static bool IsKeysCommand(string[] args) => args.Length > 0 && args[0] == "keys";

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

                    var created = await store.CreateAsync(permissions, Options(args, "--description").LastOrDefault(), cancellationToken);
                    await output.WriteLineAsync(JsonSerializer.Serialize(
                        new { created.AccessKeyId, created.AccessKeySecret, created.Info.Permissions }, Json));
                    return 0;
                }

                case "list":
                    await output.WriteLineAsync(JsonSerializer.Serialize(await store.ListAsync(cancellationToken), Json));
                    return 0;
                case "revoke" when args.Length > 2:
                    if (!await store.RevokeAsync(args[2], cancellationToken))
                    {
                        await error.WriteLineAsync($"access key {args[2]} does not exist");
                        return 1;
                    }

                    await output.WriteLineAsync($"revoked {args[2]}");
                    return 0;
                case "token" when args.Length > 2:
                {
                    var hours = Options(args, "--hours").Select(h => double.Parse(h, CultureInfo.InvariantCulture)).LastOrDefault(1);
                    var key = await services.GetRequiredService<AccessKeyResolver>().GetAsync(args[2], cancellationToken);
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
    }

    private static IEnumerable<string> Options(string[] args, string name)
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
