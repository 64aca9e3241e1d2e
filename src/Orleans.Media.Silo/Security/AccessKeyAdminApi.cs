using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Key management over REST, as ordinary operations (same authentication, validation and OpenAPI):
/// <c>POST /api/v1/admin/access-keys</c> {Permissions: ["imm:*@project/media-*"], Description},
/// <c>GET /api/v1/admin/access-keys</c>, <c>DELETE /api/v1/admin/access-keys/{AccessKeyId}</c> — each needs
/// <c>admin:*</c> (admin keys hold <c>*</c> on <c>*</c>) — and <c>POST /api/v1/tokens</c> {DurationSeconds}, which
/// any key may call to get a bearer token for itself.
/// </summary>
public static class AccessKeyAdminApi
{
    public const string Product = "admin";
    public const string Version = "v1";

    public static void Register(ApiOperationCatalog catalog)
    {
        catalog.Add(new ApiOperation(Product, Version, "CreateAccessKey", CreateAsync)
        {
            Rpc = false,
            RestRoute = "POST /api/v1/admin/access-keys",
            Summary = "Create an access key; the secret is returned once.",
            Parameters =
            [
                new ApiParameter("Permissions", ApiParameterType.Array) { Required = true, Json = true, MaxItems = 100, Description = "Grants as action@resource, e.g. imm:*@project/media-*; * on * is admin." },
                new ApiParameter("Description", ApiParameterType.String) { MaxLength = 256 },
            ],
            RequestType = typeof(CreateAccessKeyRequest),
            ResponseType = typeof(CreateAccessKeyResponse),
        });
        catalog.Add(new ApiOperation(Product, Version, "ListAccessKeys", ListAsync)
        {
            Rpc = false,
            RestRoute = "GET /api/v1/admin/access-keys",
            Summary = "List access keys (never their secrets).",
            Parameters = [],
            ResponseType = typeof(ListAccessKeysResponse),
        });
        catalog.Add(new ApiOperation(Product, Version, "RevokeAccessKey", RevokeAsync)
        {
            Rpc = false,
            RestRoute = "DELETE /api/v1/admin/access-keys/{AccessKeyId}",
            Summary = "Revoke an access key; every later request signed with it is refused.",
            Parameters = [new ApiParameter("AccessKeyId", ApiParameterType.String) { Required = true, MaxLength = 64 }],
            ResponseType = typeof(RevokeAccessKeyResponse),
        });
        catalog.Add(new ApiOperation(Product, Version, "CreateAccessToken", IssueTokenAsync)
        {
            Rpc = false,
            Permission = null,
            RestRoute = "POST /api/v1/tokens",
            Summary = "Issue a bearer token (REST Authorization: Bearer, Huawei X-Auth-Token) for the calling key.",
            Parameters = [new ApiParameter("DurationSeconds", ApiParameterType.Integer) { Minimum = 60, Maximum = 30L * 24 * 3600 }],
            RequestType = typeof(CreateAccessTokenRequest),
            ResponseType = typeof(CreateAccessTokenResponse),
        });
    }

    private static async Task<object> CreateAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var texts = request.GetJson<string[]>("Permissions") ?? [];
        AccessKeyPermission[] permissions;
        try
        {
            permissions = texts.Select(AccessKeyPermission.Parse).ToArray();
        }
        catch (FormatException e)
        {
            throw ServiceException.InvalidArgument("The parameter Permissions is invalid: " + e.Message);
        }

        var store = request.Services.GetRequiredService<IAccessKeyStore>();
        var created = await store.CreateAsync(permissions, request.GetString("Description"), cancellationToken);
        SecurityLog.KeyCreated(Logger(request), created.AccessKeyId, string.Join(", ", texts));
        return new CreateAccessKeyResponse(created.AccessKeyId, created.AccessKeySecret, created.Info);
    }

    private static async Task<object> ListAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var store = request.Services.GetRequiredService<IAccessKeyStore>();
        return new ListAccessKeysResponse(await store.ListAsync(cancellationToken));
    }

    private static async Task<object> RevokeAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var id = request.RequireString("AccessKeyId");
        var store = request.Services.GetRequiredService<IAccessKeyStore>();
        if (!await store.RevokeAsync(id, cancellationToken))
        {
            throw ServiceException.NotFound($"The access key {id} does not exist.");
        }

        request.Services.GetRequiredService<AccessKeyResolver>().Invalidate(id);
        SecurityLog.KeyRevoked(Logger(request), id);
        return new RevokeAccessKeyResponse(id, AccessKeyStatus.Revoked);
    }

    private static async Task<object> IssueTokenAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var services = request.Services;
        var max = services.GetRequiredService<IOptions<ApiSecurityOptions>>().Value.MaxTokenLifetime;
        var duration = request.GetLong("DurationSeconds") is { } s ? TimeSpan.FromSeconds(s) : TimeSpan.FromHours(1);
        if (duration > max)
        {
            throw ServiceException.InvalidArgument($"The parameter DurationSeconds is invalid: at most {(long)max.TotalSeconds} seconds.");
        }

        var key = await services.GetRequiredService<AccessKeyResolver>().GetAsync(request.Principal.AccessKeyId, cancellationToken)
            ?? throw SecurityErrors.KeyNotFound();
        var expires = services.GetRequiredService<TimeProvider>().GetUtcNow() + duration;
        return new CreateAccessTokenResponse(AccessToken.Issue(key.Id, key.Secret, expires), expires);
    }

    private static ILogger Logger(ApiRequest request) =>
        request.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccessKeyAdminApi).FullName!);
}
