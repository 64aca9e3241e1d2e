using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Media.Silo.Protocols;

/// <summary>Maps the protocol endpoints over the operations in the <see cref="ApiOperationCatalog"/>.</summary>
public static class ApiEndpointRouteBuilderExtensions
{
    /// <summary>The Alibaba RPC endpoint: <c>GET|POST /</c>, dispatch by <c>Action</c> and <c>Version</c>.</summary>
    public static IEndpointConventionBuilder MapAlibabaRpc(this IEndpointRouteBuilder endpoints, string pattern = "/")
    {
        var pipeline = endpoints.ServiceProvider.GetRequiredService<ApiPipeline>();
        return endpoints.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Post], pipeline.HandleRpcAsync)
            .WithDisplayName("Alibaba RPC")
            .ExcludeFromDescription();
    }

    /// <summary>
    /// Every operation with a <see cref="ApiOperation.RestRoute"/>, same handler and validation as RPC; any other
    /// path under <c>/api/v1/</c> answers the vendor-shaped 404 rather than an empty one.
    /// </summary>
    public static IEndpointRouteBuilder MapRestApi(this IEndpointRouteBuilder endpoints)
    {
        MapRoutes(endpoints, ApiProtocol.Rest, o => o.RestRoute);
        MapUnknown(endpoints, "/api/v1/{**path}", ApiProtocol.Rest);
        return endpoints;
    }

    /// <summary>Every operation with a <see cref="ApiOperation.HuaweiRoute"/> (<c>/v1/{project_id}/…</c>), and a
    /// Huawei-shaped 404 for any other path under <c>/v1/</c>.</summary>
    public static IEndpointRouteBuilder MapHuaweiApi(this IEndpointRouteBuilder endpoints)
    {
        MapRoutes(endpoints, ApiProtocol.Huawei, o => o.HuaweiRoute);
        MapUnknown(endpoints, "/v1/{**path}", ApiProtocol.Huawei);
        return endpoints;
    }

    private static void MapUnknown(IEndpointRouteBuilder endpoints, string pattern, ApiProtocol protocol)
    {
        var pipeline = endpoints.ServiceProvider.GetRequiredService<ApiPipeline>();
        // A catch-all ranks below every literal route, so it only answers what nothing else (in any method) maps.
        endpoints.Map(pattern, http => pipeline.HandleUnknownRouteAsync(http, protocol))
            .WithDisplayName($"{protocol} unknown route")
            .ExcludeFromDescription();
    }

    /// <summary>RPC, REST and Huawei endpoints together.</summary>
    public static IEndpointRouteBuilder MapApiProtocols(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapAlibabaRpc();
        endpoints.MapRestApi();
        endpoints.MapHuaweiApi();
        return endpoints;
    }

    private static IEndpointRouteBuilder MapRoutes(IEndpointRouteBuilder endpoints, ApiProtocol protocol, Func<ApiOperation, string?> route)
    {
        var pipeline = endpoints.ServiceProvider.GetRequiredService<ApiPipeline>();
        var catalog = endpoints.ServiceProvider.GetRequiredService<ApiOperationCatalog>();
        foreach (var operation in catalog.All)
        {
            if (route(operation) is not { } text)
            {
                continue;
            }

            var (method, template) = ApiRoute.Parse(text);
            endpoints.MapMethods(template, [method], http => pipeline.HandleRouteAsync(http, operation, protocol))
                .WithDisplayName($"{protocol} {operation.Product}:{operation.Action}")
                .WithMetadata(operation)
                .ExcludeFromDescription(); // The OpenAPI document is built from the catalog (ApiOpenApiDocumentTransformer).
        }

        return endpoints;
    }
}
