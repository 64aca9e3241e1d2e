namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// One API operation, described once and served by every protocol that applies: the Alibaba RPC endpoint
/// (<c>GET|POST /?Action=…&amp;Version=…</c>), its readable REST route, and — for Huawei operations — a
/// <c>/v1/{project_id}/…</c> route. The framework authenticates, checks <see cref="Permission"/> against the
/// project named by <see cref="ProjectParameter"/>, validates parameters against the vendor reference, rate-limits,
/// then calls <see cref="Handler"/> and serializes what it returns as the JSON body (adding <c>RequestId</c>).
/// </summary>
/// <param name="Product"><c>imm</c>, <c>ice</c> or <c>metastudio</c>.</param>
/// <param name="Version">The RPC <c>Version</c>: <c>2020-09-30</c> (IMM) or <c>2020-11-09</c> (ICE).</param>
/// <param name="Action">The RPC <c>Action</c>, e.g. <c>CreateProject</c>.</param>
/// <param name="Handler">
/// The operation. Throw <see cref="Orleans.Media.Grains.ServiceException"/> for a refusal the caller should see;
/// anything else becomes a 500 <c>InternalError</c>.
/// </param>
public sealed record ApiOperation(
    string Product,
    string Version,
    string Action,
    Func<ApiRequest, CancellationToken, Task<object>> Handler)
{
    /// <summary>
    /// The permission action checked against the caller's key; default <c>&lt;product&gt;:&lt;Action&gt;</c>.
    /// Null: any authenticated caller (e.g. issuing a token for one's own key).
    /// </summary>
    public string? Permission { get; init; } = Product + ":" + Action;

    /// <summary>
    /// The request parameter that names the project the call acts on (e.g. <c>ProjectName</c>), checked against the
    /// key's project patterns as <c>project/&lt;value&gt;</c>; null for calls that are not project-scoped.
    /// </summary>
    public string? ProjectParameter { get; init; }

    /// <summary>
    /// The readable REST route, <c>"METHOD /template"</c>, e.g. <c>POST /api/v1/projects/{ProjectName}</c>.
    /// Route values, query parameters and the top-level properties of a JSON body all become parameters.
    /// Null: RPC only.
    /// </summary>
    public string? RestRoute { get; init; }

    /// <summary>
    /// A Huawei-style route, <c>"METHOD /v1/{project_id}/…"</c>: SDK-HMAC-SHA256 or X-Auth-Token authentication,
    /// <c>{error_code, error_msg}</c> errors, no <c>RequestId</c> in the body (it travels as <c>X-Request-Id</c>).
    /// </summary>
    public string? HuaweiRoute { get; init; }

    /// <summary>
    /// Whether the operation is served on the Alibaba RPC endpoint. True by default for <c>imm</c>/<c>ice</c>.
    /// </summary>
    public bool Rpc { get; init; } = Product is "imm" or "ice";

    /// <summary>
    /// Parameter rules; null means "take them from the embedded vendor reference for Version + Action"
    /// (<see cref="ApiParameterReference"/>). Give them explicitly for operations the reference does not know.
    /// </summary>
    public IReadOnlyList<ApiParameter>? Parameters { get; init; }

    /// <summary>Optional CLR type documenting the REST JSON body in the OpenAPI document.</summary>
    public Type? RequestType { get; init; }

    /// <summary>Optional CLR type documenting the response body in the OpenAPI document.</summary>
    public Type? ResponseType { get; init; }

    /// <summary>One line for the OpenAPI document.</summary>
    public string? Summary { get; init; }

    /// <summary>Success status code of the response (200 unless the vendor documents otherwise, e.g. 201).</summary>
    public int SuccessStatus { get; init; } = 200;
}
