using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// Writes every catalog operation that has a REST or Huawei route into the OpenAPI document: path and query
/// parameters, a JSON body of the remaining parameters (with the reference's limits), the response schema (the
/// operation's <see cref="ApiOperation.ResponseType"/>, else the vendor reference's) and the error body.
/// </summary>
internal sealed class ApiOpenApiDocumentTransformer(ApiOperationCatalog catalog, ApiParameterValidator validator) : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Orleans.Media",
            Version = "v1",
            Description = "Alibaba IMM/ICE-compatible operations (also on the RPC endpoint GET|POST /?Action=…&Version=…, " +
                          "V2 or V3 signatures) and Huawei MetaStudio routes under /v1/{project_id}. REST routes take " +
                          "'Authorization: Bearer <token>' (POST /api/v1/tokens) or an ACS3-HMAC-SHA256 signature.",
        };
        document.Paths ??= new OpenApiPaths();
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An access token from POST /api/v1/tokens or `keys token <AccessKeyId>` (never the secret itself).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });

        foreach (var operation in catalog.All)
        {
            foreach (var route in new[] { operation.RestRoute, operation.HuaweiRoute })
            {
                if (route is not null)
                {
                    Add(document, operation, route, route == operation.HuaweiRoute);
                }
            }
        }

        return Task.CompletedTask;
    }

    private void Add(OpenApiDocument document, ApiOperation operation, string route, bool huawei)
    {
        var (method, template) = ApiRoute.Parse(route);
        var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{([^}:?]+)[^}]*\}", "{$1}");
        if (!document.Paths.TryGetValue(path, out var item))
        {
            item = new OpenApiPathItem();
            document.Paths[path] = item;
        }

        var routeNames = System.Text.RegularExpressions.Regex.Matches(path, @"\{([^}]+)\}").Select(m => m.Groups[1].Value).ToHashSet();
        var rules = validator.RulesFor(operation);
        var parameters = new List<IOpenApiParameter>();
        foreach (var name in routeNames)
        {
            var rule = rules.FirstOrDefault(r => r.Name == name) ?? new ApiParameter(name, ApiParameterType.String);
            parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Path, Required = true, Schema = JsonSchemaConverter.FromParameter(rule), Description = rule.Description });
        }

        var hasBody = method is "POST" or "PUT" or "PATCH";
        var bodySchema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(), Required = new HashSet<string>() };
        foreach (var rule in rules.Where(r => !routeNames.Contains(r.Name)))
        {
            if (hasBody)
            {
                bodySchema.Properties[rule.Name] = JsonSchemaConverter.FromParameter(rule);
                if (rule.Required)
                {
                    bodySchema.Required.Add(rule.Name);
                }
            }
            else
            {
                parameters.Add(new OpenApiParameter { Name = rule.Name, In = ParameterLocation.Query, Required = rule.Required, Schema = JsonSchemaConverter.FromParameter(rule), Description = rule.Description });
            }
        }

        var op = new OpenApiOperation
        {
            OperationId = (huawei ? "huawei_" : "") + operation.Product + "_" + operation.Action,
            Summary = operation.Summary ?? $"{operation.Product.ToUpperInvariant()} {operation.Action}",
            Description = operation.Rpc ? $"Also RPC: Action={operation.Action}&Version={operation.Version}." : null,
            Tags = new HashSet<OpenApiTagReference> { new(operation.Product, document) },
            Parameters = parameters,
            Responses = new OpenApiResponses
            {
                [operation.SuccessStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
                {
                    Description = "Success",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = ResponseSchema(operation) } },
                },
                ["default"] = new OpenApiResponse
                {
                    Description = huawei ? "Error {error_code, error_msg}" : "Error {RequestId, HostId, Code, Message, Recommend}",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = ErrorSchema(huawei) } },
                },
            },
        };
        if (hasBody && (bodySchema.Properties.Count > 0 || operation.RequestType is not null))
        {
            op.RequestBody = new OpenApiRequestBody
            {
                Required = bodySchema.Required.Count > 0,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = bodySchema } },
            };
        }

        document.Tags ??= new HashSet<OpenApiTag>();
        if (!document.Tags.Any(t => t.Name == operation.Product))
        {
            document.Tags.Add(new OpenApiTag { Name = operation.Product });
        }

        var pathItem = (OpenApiPathItem)item;
        pathItem.Operations ??= [];
        pathItem.Operations[new HttpMethod(method)] = op;
    }

    private static IOpenApiSchema ResponseSchema(ApiOperation operation)
    {
        if (operation.ResponseType is { } type)
        {
            return JsonSchemaConverter.FromType(type);
        }

        if (ApiParameterReference.Embedded.TryGetResponse(operation.Version, operation.Action, out var schema, out var components))
        {
            return JsonSchemaConverter.Convert(schema, components, 0);
        }

        return new OpenApiSchema { Type = JsonSchemaType.Object };
    }

    private static OpenApiSchema ErrorSchema(bool huawei)
    {
        var names = huawei ? new[] { "error_code", "error_msg" } : ["RequestId", "HostId", "Code", "Message", "Recommend"];
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = names.ToDictionary(n => n, _ => (IOpenApiSchema)new OpenApiSchema { Type = JsonSchemaType.String }),
        };
    }
}
