using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// The vendors' parameter metadata, embedded at build time (<c>Reference/imm-2020-09-30.json</c>,
/// <c>Reference/ice-2020-11-09.json</c>), merged with the limits they document only in prose
/// (<c>Reference/limits.json</c>): the rules <see cref="ApiParameterValidator"/> applies.
/// </summary>
public sealed class ApiParameterReference
{
    private static readonly (string Version, string Resource)[] Sources =
    [
        ("2020-09-30", "imm-2020-09-30.json"),
        ("2020-11-09", "ice-2020-11-09.json"),
    ];

    private readonly FrozenDictionary<(string Version, string Action), IReadOnlyList<ApiParameter>> _operations;
    private readonly FrozenDictionary<(string Version, string Action), (JsonElement Schema, JsonElement Components)> _responses;

    private ApiParameterReference(
        Dictionary<(string, string), IReadOnlyList<ApiParameter>> operations,
        Dictionary<(string, string), (JsonElement, JsonElement)> responses)
    {
        _operations = operations.ToFrozenDictionary();
        _responses = responses.ToFrozenDictionary();
    }

    /// <summary>The reference embedded in this assembly (parsed once).</summary>
    public static ApiParameterReference Embedded { get; } = Load();

    /// <summary>Every (Version, Action) the reference describes.</summary>
    public IEnumerable<(string Version, string Action)> Operations => _operations.Keys;

    public bool TryGet(string version, string action, out IReadOnlyList<ApiParameter> parameters) =>
        _operations.TryGetValue((version, action), out parameters!);

    /// <summary>The documented 200 response schema and the schemas its <c>$ref</c>s point into (for OpenAPI).</summary>
    public bool TryGetResponse(string version, string action, out JsonElement schema, out JsonElement components)
    {
        var found = _responses.TryGetValue((version, action), out var r);
        (schema, components) = r;
        return found;
    }

    private static ApiParameterReference Load()
    {
        using var limitsDoc = JsonDocument.Parse(ReadResource("limits.json"));
        var operations = new Dictionary<(string, string), IReadOnlyList<ApiParameter>>();
        var responses = new Dictionary<(string, string), (JsonElement, JsonElement)>();
        foreach (var (version, resource) in Sources)
        {
            using var doc = JsonDocument.Parse(ReadResource(resource));
            var schemas = doc.RootElement.TryGetProperty("schemas", out var s) ? s : default;
            limitsDoc.RootElement.TryGetProperty(version, out var versionLimits);
            foreach (var api in doc.RootElement.GetProperty("apis").EnumerateObject())
            {
                var list = new List<ApiParameter>();
                foreach (var p in api.Value.GetProperty("parameters").EnumerateArray())
                {
                    var parameter = FromReference(p, schemas);
                    parameter = ApplyLimits(parameter, versionLimits, "*");
                    parameter = ApplyLimits(parameter, versionLimits, api.Name);
                    list.Add(parameter);
                }

                operations[(version, api.Name)] = list;
                if (api.Value.TryGetProperty("responses", out var r) && r.TryGetProperty("200", out var ok) &&
                    ok.TryGetProperty("schema", out var schema))
                {
                    responses[(version, api.Name)] = (schema.Clone(), schemas.ValueKind == JsonValueKind.Object ? schemas.Clone() : default);
                }
            }
        }

        return new ApiParameterReference(operations, responses);
    }

    private static ApiParameter FromReference(JsonElement p, JsonElement schemas)
    {
        var name = p.GetProperty("name").GetString()!;
        var schema = p.GetProperty("schema");
        var json = p.TryGetProperty("style", out var style) && style.GetString() == "json";
        var type = ParseType(schema, schemas);
        IReadOnlyList<string>? values = null;
        if (schema.TryGetProperty("enumValueTitles", out var titles) && titles.ValueKind == JsonValueKind.Object)
        {
            values = titles.EnumerateObject().Select(t => t.Name).ToArray();
        }

        return new ApiParameter(name, type)
        {
            Required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True,
            Json = json || type is ApiParameterType.Object or ApiParameterType.Array,
            Enum = values is { Count: > 0 } ? values : null,
            Minimum = ReadLong(schema, "minimum"),
            Maximum = ReadLong(schema, "maximum"),
            MaxItems = (int?)ReadLong(schema, "maxItems"),
            Description = schema.TryGetProperty("description", out var d) ? d.GetString() : null,
        };
    }

    private static ApiParameterType ParseType(JsonElement schema, JsonElement schemas)
    {
        if (schema.TryGetProperty("type", out var t))
        {
            return t.GetString() switch
            {
                "integer" => ApiParameterType.Integer,
                "boolean" => ApiParameterType.Boolean,
                "number" => ApiParameterType.Number,
                "object" => ApiParameterType.Object,
                "array" => ApiParameterType.Array,
                _ => ApiParameterType.String,
            };
        }

        // "$ref": "#/components/schemas/Notification" — the referenced schema says what it is (always an object here).
        if (schema.TryGetProperty("$ref", out var reference) && schemas.ValueKind == JsonValueKind.Object &&
            schemas.TryGetProperty(reference.GetString()!.Split('/')[^1], out var target))
        {
            return ParseType(target, schemas);
        }

        return ApiParameterType.Object;
    }

    private static ApiParameter ApplyLimits(ApiParameter parameter, JsonElement versionLimits, string action)
    {
        if (versionLimits.ValueKind != JsonValueKind.Object ||
            !versionLimits.TryGetProperty(action, out var actionLimits) ||
            !actionLimits.TryGetProperty(parameter.Name, out var l))
        {
            return parameter;
        }

        var type = parameter.Type;
        var json = parameter.Json;
        if (l.TryGetProperty("json", out var j))
        {
            // ICE documents some JSON-string parameters as plain strings: the limits file marks them.
            type = j.GetString() == "array" ? ApiParameterType.Array : ApiParameterType.Object;
            json = true;
        }

        return parameter with
        {
            Type = type,
            Json = json,
            MinLength = (int?)ReadLong(l, "minLength") ?? parameter.MinLength,
            MaxLength = (int?)ReadLong(l, "maxLength") ?? parameter.MaxLength,
            MaxBytes = (int?)ReadLong(l, "maxBytes") ?? parameter.MaxBytes,
            Pattern = l.TryGetProperty("pattern", out var pattern) ? pattern.GetString() : parameter.Pattern,
            Enum = l.TryGetProperty("enum", out var e) ? e.EnumerateArray().Select(v => v.GetString()!).ToArray() : parameter.Enum,
            Minimum = ReadLong(l, "minimum") ?? parameter.Minimum,
            Maximum = ReadLong(l, "maximum") ?? parameter.Maximum,
        };
    }

    // The reference writes some numbers as strings ("maximum": "100").
    private static long? ReadLong(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.Number => v.GetInt64(),
                JsonValueKind.String when long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
                _ => null,
            }
            : null;

    private static byte[] ReadResource(string file)
    {
        var assembly = typeof(ApiParameterReference).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("Reference." + file, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        return bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
    }
}
