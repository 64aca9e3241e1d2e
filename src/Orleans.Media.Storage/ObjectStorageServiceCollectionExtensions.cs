using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage;

public static class ObjectStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IObjectStorage"/> (and the <see cref="LocalUrlSigner"/> the silo's <c>/_objects</c> endpoint
    /// checks URLs with) from the configuration section <c>OrleansMedia:Storage</c>, validated at start.
    /// </summary>
    public static IServiceCollection AddObjectStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ObjectStorageOptions>().Bind(configuration.GetSection(ObjectStorageOptions.SectionName));
        return services.AddObjectStorageCore();
    }

    /// <summary>The same, configured in code (embedded hosts and tests).</summary>
    public static IServiceCollection AddObjectStorage(this IServiceCollection services, Action<ObjectStorageOptions> configure)
    {
        services.AddOptions<ObjectStorageOptions>().Configure(configure);
        return services.AddObjectStorageCore();
    }

    private static IServiceCollection AddObjectStorageCore(this IServiceCollection services)
    {
        services.AddOptions<ObjectStorageOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ObjectStorageOptions>, ObjectStorageOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ObjectStorageOptions>>().Value;
            if (options.LocalSigningKey is { } key)
            {
                return new LocalUrlSigner(key);
            }

            StorageLog.EphemeralSigningKey(sp.GetRequiredService<ILoggerFactory>().CreateLogger<ObjectStorage>());
            return LocalUrlSigner.CreateEphemeral();
        });
        services.TryAddSingleton<ObjectStorage>();
        services.TryAddSingleton<IObjectStorage>(sp => sp.GetRequiredService<ObjectStorage>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Uploads.DirectUploads>();
        services.TryAddSingleton<Uploads.UploadCredentialIssuer>();
        return services;
    }
}
