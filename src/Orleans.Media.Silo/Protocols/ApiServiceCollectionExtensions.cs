using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Protocols;

public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// The protocol layer: operation catalog, reference validation, authentication (V2, V3, Huawei, tokens), access
    /// keys, rate limits. Configuration sections: <c>Api</c>, <c>Api:Security</c>, <c>Api:RateLimits</c>,
    /// <c>AccessKeys</c> (<c>MasterKeyPath</c> is required). Replace <see cref="IAccessKeyStore"/>,
    /// <see cref="INonceStore"/> or <see cref="IProjectRateLimits"/> by registering your own before this call.
    /// </summary>
    public static IServiceCollection AddApiProtocols(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ApiSecurityOptions>().Bind(configuration.GetSection(ApiSecurityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AccessKeyOptions>().Bind(configuration.GetSection(AccessKeyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(ApiParameterReference.Embedded);
        services.TryAddSingleton<ApiParameterValidator>();
        services.TryAddSingleton(sp =>
        {
            var catalog = new ApiOperationCatalog();
            foreach (var registration in sp.GetServices<ApiOperationRegistration>())
            {
                registration.Add(catalog, sp);
            }

            return catalog;
        });
        services.TryAddSingleton<ApiPipeline>();

        services.TryAddSingleton(sp => AccessKeySecretProtector.FromFile(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AccessKeyOptions>>().Value.MasterKeyPath));
        // In a silo (Orleans and the media persistence registered before or after this call): keys as grains, nonces
        // in the cluster database. Without it (tools, tests of the protocol layer alone): this process's memory.
        services.TryAddSingleton<IAccessKeyStore>(sp => sp.GetService<IGrainFactory>() is { } grains
            ? new GrainAccessKeyStore(grains, sp.GetRequiredService<IGrainStateQuery>(), sp.GetRequiredService<AccessKeySecretProtector>(), sp.GetRequiredService<TimeProvider>())
            : new InMemoryAccessKeyStore(sp.GetRequiredService<AccessKeySecretProtector>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<AccessKeyResolver>();
        services.TryAddSingleton<INonceStore>(sp => sp.GetService<INonceRegistry>() is { } registry
            ? new RuntimeNonceStore(registry)
            : new InMemoryNonceStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IApiAuthenticator, ApiAuthenticator>();
        services.TryAddSingleton<IProjectRateLimits>(sp => sp.GetService<IGrainFactory>() is { } grains
            ? ActivatorUtilities.CreateInstance<ProjectGrainRateLimits>(sp, grains)
            : new DefaultProjectRateLimits());
        services.TryAddSingleton<IApiSiloCount>(sp => sp.GetService<Orleans.Runtime.IClusterMembershipService>() is { } membership
            ? ActivatorUtilities.CreateInstance<MembershipApiSiloCount>(sp, membership)
            : new SingleApiSilo());
        services.TryAddSingleton<IApiRateLimiter, TokenBucketRateLimiter>();
        services.AddApiOperations(AccessKeyAdminApi.Register);
        return services;
    }

    /// <summary>Adds operations to the catalog: <c>services.AddApiOperations(c => c.Add(new ApiOperation(…)))</c>.</summary>
    public static IServiceCollection AddApiOperations(this IServiceCollection services, Action<ApiOperationCatalog> add) =>
        services.AddApiOperations((catalog, _) => add(catalog));

    /// <summary>As above, with the service provider at hand (handlers may also use <see cref="ApiRequest.Services"/>).</summary>
    public static IServiceCollection AddApiOperations(this IServiceCollection services, Action<ApiOperationCatalog, IServiceProvider> add)
    {
        services.AddSingleton(new ApiOperationRegistration(add));
        return services;
    }
}
