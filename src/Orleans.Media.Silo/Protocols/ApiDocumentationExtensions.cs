using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Media.Silo.Protocols;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>, built from the operation catalog) and Swagger UI (<c>/swagger</c>).</summary>
public static class ApiDocumentationExtensions
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddOpenApi("v1", options => options.AddDocumentTransformer<ApiOpenApiDocumentTransformer>());
        return services;
    }

    public static WebApplication UseApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint(DocumentPath, "Orleans.Media v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "Orleans.Media API";
        });
        return app;
    }
}
