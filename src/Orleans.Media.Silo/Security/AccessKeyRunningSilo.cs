using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Hosting;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// The <c>keys</c> verb while an embedded silo runs on the same data directory: the verb must not open the SQLite
/// store itself (a second one-silo cluster would keep its own activations, so a revoke would not reach the running
/// silo's cached key grain, and both would write the same rows). It calls the running silo's admin API instead,
/// as the admin key of <c>credentials.json</c>, so a revoke takes effect at once.
/// </summary>
internal static class AccessKeyRunningSilo
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    // The API's bodies use the vendors' PascalCase names.
    private static readonly JsonSerializerOptions Request = new();

    /// <returns>null when no process holds <paramref name="data"/> (the verb then runs on the store itself).</returns>
    public static async Task<int?> TryRunAsync(string[] args, DataDirectory data, TimeSpan timeout, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!DataDirectoryLock.IsHeld(data))
        {
            return null;
        }

        // The holder may be a silo still starting (no address or admin key yet) or another `keys` command.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Uri? silo;
        AdminCredentials? admin;
        while (true)
        {
            if (!DataDirectoryLock.IsHeld(data))
            {
                return null;
            }

            silo = DataDirectoryLock.ReadEndpoint(data);
            admin = ReadCredentials(data.CredentialsFile);
            if (silo is not null && admin is not null)
            {
                break;
            }

            if (deadline.IsCancellationRequested)
            {
                await error.WriteLineAsync(silo is null
                    ? $"The data directory {data.Path} is held by another process that serves no HTTP API (another `keys` command, or a silo that did not finish starting within {timeout.TotalSeconds:0} s); retry when it is done."
                    : $"A silo is running on the data directory {data.Path} ({silo}), but {data.CredentialsFile} holds no admin key to call it with. " +
                      "Use its admin API with an admin key: POST/GET /api/v1/admin/access-keys, DELETE /api/v1/admin/access-keys/{id}, POST /api/v1/tokens.");
                return 1;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }

        await error.WriteLineAsync($"A silo is running on {data.Path}: acting through its admin API at {silo}");
        using var http = new HttpClient { BaseAddress = silo, Timeout = timeout };
        var token = AccessToken.Issue(admin.AccessKeyId, admin.AccessKeySecret, DateTimeOffset.UtcNow.AddMinutes(5));
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var verb = args.Length > 1 ? args[1] : "";
        try
        {
            switch (verb)
            {
                case "create":
                {
                    var permissions = AccessKeyCommand.Options(args, "--permission").ToArray();
                    _ = permissions.Select(AccessKeyPermission.Parse).ToArray(); // usage errors before any call
                    if (permissions.Length == 0)
                    {
                        throw new FormatException("at least one --permission is required.");
                    }

                    var body = new CreateAccessKeyRequest(permissions, AccessKeyCommand.Options(args, "--description").LastOrDefault());
                    using var response = await http.PostAsJsonAsync("api/v1/admin/access-keys", body, Request, cancellationToken);
                    if (await FailedAsync(response, error, null) is { } failed)
                    {
                        return failed;
                    }

                    var created = await ReadAsync(response, cancellationToken);
                    await output.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        AccessKeyId = created.GetProperty("AccessKeyId").GetString(),
                        AccessKeySecret = created.GetProperty("AccessKeySecret").GetString(),
                        Permissions = created.GetProperty("AccessKey").GetProperty("Permissions"),
                    }, Json));
                    return 0;
                }

                case "list":
                {
                    using var response = await http.GetAsync("api/v1/admin/access-keys", cancellationToken);
                    if (await FailedAsync(response, error, null) is { } failed)
                    {
                        return failed;
                    }

                    await output.WriteLineAsync(JsonSerializer.Serialize((await ReadAsync(response, cancellationToken)).GetProperty("AccessKeys"), Json));
                    return 0;
                }

                case "revoke" when args.Length > 2:
                {
                    using var response = await http.DeleteAsync("api/v1/admin/access-keys/" + Uri.EscapeDataString(args[2]), cancellationToken);
                    if (await FailedAsync(response, error, $"access key {args[2]} does not exist") is { } failed)
                    {
                        return failed;
                    }

                    await output.WriteLineAsync($"revoked {args[2]}");
                    return 0;
                }

                case "token" when args.Length > 2:
                {
                    var hours = AccessKeyCommand.Options(args, "--hours").Select(h => double.Parse(h, CultureInfo.InvariantCulture)).LastOrDefault(1);
                    if (args[2] != admin.AccessKeyId)
                    {
                        // A token is an HMAC with the key's secret, which the API never gives out.
                        await error.WriteLineAsync(
                            $"A silo is running on {data.Path}: the CLI cannot read the secret of {args[2]} from it. The key's holder gets a token " +
                            $"with POST {silo}api/v1/tokens {{\"DurationSeconds\": n}}, signed with that key; or stop the silo and run this command again.");
                        return 1;
                    }

                    await output.WriteLineAsync(AccessToken.Issue(admin.AccessKeyId, admin.AccessKeySecret, DateTimeOffset.UtcNow.AddHours(hours)));
                    return 0;
                }

                default:
                    await error.WriteLineAsync(AccessKeyCommand.Usage);
                    return 2;
            }
        }
        catch (FormatException e)
        {
            await error.WriteLineAsync(e.Message);
            await error.WriteLineAsync(AccessKeyCommand.Usage);
            return 2;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"The silo running on {data.Path} did not answer at {silo} ({e.Message}). " +
                                       "If it is stopping, run the command again once it has stopped.");
            return 1;
        }
    }

    private static async Task<int?> FailedAsync(HttpResponseMessage response, TextWriter error, string? notFound)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        if (response.StatusCode == HttpStatusCode.NotFound && notFound is not null)
        {
            await error.WriteLineAsync(notFound);
            return 1;
        }

        var body = await response.Content.ReadAsStringAsync();
        await error.WriteLineAsync($"the silo refused the call: {(int)response.StatusCode} {body}");
        return 1;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).Clone();

    private static AdminCredentials? ReadCredentials(string path)
    {
        try
        {
            var credentials = JsonSerializer.Deserialize<AdminCredentials>(File.ReadAllText(path));
            return credentials is { AccessKeyId.Length: > 0, AccessKeySecret.Length: > 0 } ? credentials : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null; // absent, or being written on first start
        }
    }

    private sealed record AdminCredentials(string AccessKeyId, string AccessKeySecret);
}
