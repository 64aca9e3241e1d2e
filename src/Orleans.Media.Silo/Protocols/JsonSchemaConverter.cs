using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Microsoft.OpenApi;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// Turns JSON Schema text (the vendor reference's response schemas, or a CLR type exported by
/// <see cref="JsonSchemaExporter"/>) into OpenAPI schema objects, resolving <c>#/components/schemas/X</c> references
/// inline against the reference's <c>schemas</c> (depth-limited: the reference has recursive shapes).
/// </summary>
internal static class JsonSchemaConverter
{
    private const int MaxDepth = 8;

    public static IOpenApiSchema FromType(Type type)
    {
        var node = JsonSchemaExporter.GetJsonSchemaAsNode(ApiResponseWriter.JsonOptions, type,
            new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return Convert(doc.RootElement, default, 0);
    }

    public static IOpenApiSchema Convert(JsonElement schema, JsonElement components, int depth)
    {
        var result = new OpenApiSchema();
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            return result;
        }

        if (schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } r &&
            components.ValueKind == JsonValueKind.Object && components.TryGetProperty(r.Split('/')[^1], out var target))
        {
            var resolved = (OpenApiSchema)Convert(target, components, depth + 1);
            if (schema.TryGetProperty("description", out var refDescription))
            {
                resolved.Description = refDescription.GetString();
            }

            return resolved;
        }

        if (schema.TryGetProperty("type", out var type))
        {
            result.Type = ParseType(type);
        }

        if (schema.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
        {
            result.Description = description.GetString();
        }
        else if (schema.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
        {
            result.Description = title.GetString();
        }

        if (schema.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String)
        {
            result.Format = format.GetString();
        }

        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            result.Properties = new Dictionary<string, IOpenApiSchema>();
            foreach (var property in properties.EnumerateObject())
            {
                result.Properties[property.Name] = Convert(property.Value, components, depth + 1);
            }
        }

        if (schema.TryGetProperty("items", out var items))
        {
            result.Items = Convert(items, components, depth + 1);
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            result.Enum = values.EnumerateArray().Select(v => JsonNode.Parse(v.GetRawText())!).ToList();
        }

        return result;
    }

    /// <summary>The OpenAPI schema of one request parameter, limits included.</summary>
    public static IOpenApiSchema FromParameter(ApiParameter parameter)
    {
        var schema = new OpenApiSchema
        {
            Type = parameter.Type switch
            {
                ApiParameterType.Integer => JsonSchemaType.Integer,
                ApiParameterType.Boolean => JsonSchemaType.Boolean,
                ApiParameterType.Number => JsonSchemaType.Number,
                // RPC carries objects/arrays as JSON strings; REST accepts either the JSON value or its text.
                ApiParameterType.Object => JsonSchemaType.Object | JsonSchemaType.String,
                ApiParameterType.Array => JsonSchemaType.Array | JsonSchemaType.String,
                _ => JsonSchemaType.String,
            },
            Description = parameter.Description,
            MinLength = parameter.MinLength,
            MaxLength = parameter.MaxLength ?? parameter.MaxBytes,
            Pattern = parameter.Pattern,
            Minimum = parameter.Minimum?.ToString(CultureInfo.InvariantCulture),
            Maximum = parameter.Maximum?.ToString(CultureInfo.InvariantCulture),
            MaxItems = parameter.MaxItems,
        };
        if (parameter.Enum is { } values)
        {
            schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        }

        return schema;
    }

    private static JsonSchemaType? ParseType(JsonElement type)
    {
        if (type.ValueKind == JsonValueKind.Array)
        {
            JsonSchemaType? combined = null;
            foreach (var t in type.EnumerateArray())
            {
                combined = (combined ?? 0) | ParseType(t);
            }

            return combined;
        }

        return type.GetString() switch
        {
            "string" => JsonSchemaType.String,
            "integer" => JsonSchemaType.Integer,
            "number" => JsonSchemaType.Number,
            "boolean" => JsonSchemaType.Boolean,
            "object" => JsonSchemaType.Object,
            "array" => JsonSchemaType.Array,
            "null" => JsonSchemaType.Null,
            _ => null,
        };
    }
}
