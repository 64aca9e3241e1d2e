using System.Globalization;
using System.Text.Json;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// One authenticated, validated call of an <see cref="ApiOperation"/>, whatever protocol carried it. Parameters
/// are the operation's parameters only (signature and common parameters such as <c>AccessKeyId</c>,
/// <c>Signature</c>, <c>Format</c> are removed) and have already passed the reference rules, so the typed getters
/// only fail on what the rules cannot express.
/// </summary>
public sealed class ApiRequest
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = true,
    };

    public ApiRequest(
        string requestId,
        ApiOperation operation,
        ApiProtocol protocol,
        ApiPrincipal principal,
        IReadOnlyDictionary<string, string> raw,
        IServiceProvider services)
    {
        RequestId = requestId;
        Operation = operation;
        Protocol = protocol;
        Principal = principal;
        Raw = raw;
        Services = services;
    }

    public string RequestId { get; }

    public ApiOperation Operation { get; }

    public string Product => Operation.Product;

    public string Action => Operation.Action;

    public ApiProtocol Protocol { get; }

    /// <summary>The access key that authenticated the call, and its permissions.</summary>
    public ApiPrincipal Principal { get; }

    /// <summary>The request's services (grain factory, options, …).</summary>
    public IServiceProvider Services { get; }

    /// <summary>All operation parameters as received (object/array parameters as JSON text).</summary>
    public IReadOnlyDictionary<string, string> Raw { get; }

    /// <summary>The project the call is scoped to (value of <see cref="ApiOperation.ProjectParameter"/>), if any.</summary>
    public string? Project => Operation.ProjectParameter is { } p ? GetString(p) : null;

    public string? GetString(string name) => Raw.TryGetValue(name, out var v) ? v : null;

    /// <summary>The parameter's value; the product's "missing" refusal (IMM <c>Missing{Name}</c>) when absent or empty.</summary>
    public string RequireString(string name) =>
        Raw.TryGetValue(name, out var v) && v.Length > 0 ? v : throw ApiErrors.Missing(Product, name);

    public int? GetInt(string name) =>
        GetString(name) is { } v
            ? int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)
                ? i
                : throw Invalid(name, "an integer")
            : null;

    public long? GetLong(string name) =>
        GetString(name) is { } v
            ? long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? l
                : throw Invalid(name, "an integer")
            : null;

    public bool? GetBool(string name) =>
        GetString(name) is { } v
            ? bool.TryParse(v, out var b) ? b : throw Invalid(name, "true or false")
            : null;

    /// <summary>
    /// An object/array parameter (a JSON string in RPC, a JSON value in REST) deserialized to
    /// <typeparamref name="T"/> (property names case-insensitive). Unparseable JSON → the product's invalid-parameter
    /// refusal (IMM <c>InvalidArgument</c>, ICE <c>InvalidParameter</c>) naming the parameter.
    /// </summary>
    public T? GetJson<T>(string name)
    {
        if (GetString(name) is not { Length: > 0 } v)
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(v, JsonOptions);
        }
        catch (JsonException e)
        {
            throw ApiErrors.Invalid(Product, name, "it is not valid JSON of the expected shape: " + e.Message);
        }
    }

    private Orleans.Media.Grains.ServiceException Invalid(string name, string expected) =>
        ApiErrors.Invalid(Product, name, $"it must be {expected}.");
}
