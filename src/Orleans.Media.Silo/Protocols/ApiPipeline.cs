using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// The one path every call takes, whatever the protocol: read the body within its limit, gather parameters,
/// authenticate, find the operation, validate, authorize, rate-limit, run the handler, render the result or the
/// refusal in the protocol's shape. Unexpected exceptions become a 500 <c>InternalError</c>, logged, not returned.
/// </summary>
public sealed class ApiPipeline(
    ApiOperationCatalog catalog,
    ApiParameterValidator validator,
    IApiAuthenticator authenticator,
    IApiRateLimiter rateLimiter,
    IOptions<ApiOptions> options,
    ILogger<ApiPipeline> logger)
{
    /// <summary>RPC parameters that belong to the protocol, not to the operation.</summary>
    private static readonly HashSet<string> CommonRpcParameters = new(StringComparer.Ordinal)
    {
        "Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
        "SignatureNonce", "SignatureType", "Timestamp", "RegionId", "SecurityToken",
    };

    private readonly ApiOptions _options = options.Value;

    /// <summary>Alibaba RPC: <c>GET|POST /</c>, operation named by <c>Action</c> + <c>Version</c> (or the V3 headers).</summary>
    public async Task HandleRpcAsync(HttpContext http)
    {
        var requestId = BeginRequest(http);
        ApiOperation? operation = null;
        string action = "?";
        try
        {
            var body = await ReadBodyAsync(http.Request, _options.MaxRpcBodyBytes, http.RequestAborted);
            var all = ReadRpcParameters(http.Request, body);
            action = all.GetValueOrDefault("Action") ?? http.Request.Headers["x-acs-action"].ToString();
            var version = all.GetValueOrDefault("Version") ?? http.Request.Headers["x-acs-version"].ToString();

            var principal = await authenticator.AuthenticateAsync(
                new ApiAuthenticationRequest(ApiProtocol.AlibabaRpc, http.Request, body, all), http.RequestAborted);

            if (action.Length == 0)
            {
                throw ApiErrors.MissingAction();
            }

            if (version.Length == 0)
            {
                throw ApiErrors.MissingVersion();
            }

            if (!catalog.IsKnownVersion(version))
            {
                throw ApiErrors.InvalidVersion(version);
            }

            if (!catalog.TryFindRpc(version, action, out operation))
            {
                throw ApiErrors.InvalidAction(action);
            }

            var parameters = new Dictionary<string, string>(all.Count, StringComparer.Ordinal);
            foreach (var (name, value) in all)
            {
                if (!CommonRpcParameters.Contains(name))
                {
                    parameters[name] = value;
                }
            }

            var result = await InvokeAsync(http, requestId, operation, ApiProtocol.AlibabaRpc, principal, parameters);
            await ApiResponseWriter.WriteResultAsync(http, ApiProtocol.AlibabaRpc, requestId, result, operation.SuccessStatus);
        }
        catch (Exception e)
        {
            await FailAsync(http, e, requestId, ApiProtocol.AlibabaRpc, action);
        }
    }

    /// <summary>A REST or Huawei route bound to one operation.</summary>
    public async Task HandleRouteAsync(HttpContext http, ApiOperation operation, ApiProtocol protocol)
    {
        var requestId = BeginRequest(http);
        try
        {
            var body = await ReadBodyAsync(http.Request, _options.MaxRestBodyBytes, http.RequestAborted);
            var parameters = ReadRouteParameters(http, body, operation.Product);
            var principal = await authenticator.AuthenticateAsync(
                new ApiAuthenticationRequest(protocol, http.Request, body, parameters), http.RequestAborted);
            var result = await InvokeAsync(http, requestId, operation, protocol, principal, parameters);
            await ApiResponseWriter.WriteResultAsync(http, protocol, requestId, result, operation.SuccessStatus);
        }
        catch (Exception e)
        {
            await FailAsync(http, e, requestId, protocol, operation.Action);
        }
    }

    /// <summary>No operation has this path (or not with this method): the protocol's "no such API" refusal.</summary>
    public async Task HandleUnknownRouteAsync(HttpContext http, ApiProtocol protocol)
    {
        var requestId = BeginRequest(http);
        var error = protocol == ApiProtocol.Huawei
            ? new ServiceException(HuaweiCodes.ApiNotFound, "The API does not exist or has not been published in the environment.", 404)
            : ApiErrors.InvalidAction($"{http.Request.Method} {http.Request.Path}");
        await FailAsync(http, error, requestId, protocol, http.Request.Path.Value ?? "");
    }

    private async Task<object> InvokeAsync(
        HttpContext http,
        string requestId,
        ApiOperation operation,
        ApiProtocol protocol,
        ApiPrincipal principal,
        Dictionary<string, string> parameters)
    {
        validator.Validate(operation, parameters);
        var project = operation.ProjectParameter is { } p ? parameters.GetValueOrDefault(p) : null;
        if (operation.Permission is { } permission && !principal.IsAllowed(permission, project))
        {
            throw SecurityErrors.NoPermission(operation.Product, permission, project);
        }

        rateLimiter.Acquire(principal, operation.Product, project);
        var request = new ApiRequest(requestId, operation, protocol, principal, parameters, http.RequestServices);
        try
        {
            return await operation.Handler(request, http.RequestAborted);
        }
        catch (InvalidPageTokenException)
        {
            // Every listing pages with NextToken; a token it did not return is the caller's mistake, in its vendor's words.
            throw ApiErrors.Invalid(operation.Product, "NextToken", "it is not a token this listing returned.");
        }
    }

    private static string BeginRequest(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        http.Response.Headers["X-Request-Id"] = requestId;
        http.Response.Headers["x-acs-request-id"] = requestId;
        return requestId;
    }

    private async Task FailAsync(HttpContext http, Exception e, string requestId, ApiProtocol protocol, string action)
    {
        if (e is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
        {
            return; // The caller went away; nobody to answer.
        }

        if (http.Response.HasStarted)
        {
            ApiLog.Unexpected(logger, e, requestId, protocol, action);
            http.Abort();
            return;
        }

        ServiceException error;
        if (e is ServiceException se)
        {
            error = se;
            ApiLog.Refused(logger, requestId, protocol, action, se.Code, se.HttpStatus);
        }
        else if (StoreUnavailability.Is(e))
        {
            // This silo is fenced (it cannot reach its store within its lease), or the store connection just failed
            // (restart, failover, network): a retry, here or elsewhere, will do.
            error = ApiErrors.Unavailable(protocol);
            ApiLog.Refused(logger, requestId, protocol, action, error.Code, error.HttpStatus);
        }
        else
        {
            ApiLog.Unexpected(logger, e, requestId, protocol, action);
            error = protocol == ApiProtocol.Huawei
                ? new ServiceException(HuaweiCodes.InternalError, "Internal Error", 500)
                : ApiErrors.Internal();
        }

        http.Response.Clear();
        http.Response.Headers["X-Request-Id"] = requestId;
        http.Response.Headers["x-acs-request-id"] = requestId;
        await ApiResponseWriter.WriteErrorAsync(http, protocol, requestId, error, _options.HostId);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            throw ApiErrors.BodyTooLarge(limit);
        }

        if (request.ContentLength == 0 || (request.ContentLength is null && !HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method) && !HttpMethods.IsPatch(request.Method)))
        {
            return [];
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                throw ApiErrors.BodyTooLarge(limit);
            }

            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            // Keep everything buffered until the end: the signature covers the whole body.
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static Dictionary<string, string> ReadRpcParameters(HttpRequest request, byte[] body)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Query)
        {
            all[name] = values.Count > 0 ? values[0] ?? "" : "";
        }

        if (body.Length > 0 && request.ContentType is { } type &&
            type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (name, values) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)))
            {
                all[name] = values.Count > 0 ? values[0] ?? "" : "";
            }
        }

        return all;
    }

    /// <summary>Route values, then query, then the JSON body's top-level properties (objects/arrays kept as JSON text).</summary>
    private static Dictionary<string, string> ReadRouteParameters(HttpContext http, byte[] body, string product)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in http.Request.Query)
        {
            parameters[name] = values.Count > 0 ? values[0] ?? "" : "";
        }

        if (body.Length > 0)
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw ApiErrors.InvalidBody(product, "it is not valid JSON.");
            }

            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw ApiErrors.InvalidBody(product, "it must be a JSON object.");
                }

                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    var v = property.Value;
                    switch (v.ValueKind)
                    {
                        case JsonValueKind.Null or JsonValueKind.Undefined:
                            break;
                        case JsonValueKind.String:
                            parameters[property.Name] = v.GetString()!;
                            break;
                        case JsonValueKind.True or JsonValueKind.False:
                            parameters[property.Name] = v.ValueKind == JsonValueKind.True ? "true" : "false";
                            break;
                        default:
                            parameters[property.Name] = v.GetRawText();
                            break;
                    }
                }
            }
        }

        // Route values last: the path names the resource, a body cannot redirect the call to another project.
        foreach (var (name, value) in http.Request.RouteValues)
        {
            if (value is not null)
            {
                parameters[name] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }

        return parameters;
    }
}
