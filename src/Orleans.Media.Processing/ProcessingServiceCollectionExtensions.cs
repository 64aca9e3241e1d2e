using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Media.Processing.Actions;
using Orleans.Media.Processing.Actions.Document;
using Orleans.Media.Processing.Actions.Image;
using Orleans.Media.Processing.Actions.Video;
using Orleans.Media.Processing.Ingestion;
using Orleans.Media.Processing.Probing;
using Orleans.Media.Processing.Tools;

namespace Orleans.Media.Processing;

public static class ProcessingServiceCollectionExtensions
{
    /// <summary>
    /// The media data plane: actions (<see cref="MediaActionRegistry"/>), probing (<see cref="MediaProber"/>) and URL
    /// ingestion (<see cref="UrlIngestion"/>), from <c>OrleansMedia:Processing</c> and <c>OrleansMedia:Ingestion</c>,
    /// validated at start. Needs <c>AddObjectStorage</c>.
    /// </summary>
    public static IServiceCollection AddMediaProcessing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ProcessingOptions>().Bind(configuration.GetSection(ProcessingOptions.SectionName));
        services.AddOptions<UrlIngestionOptions>().Bind(configuration.GetSection(UrlIngestionOptions.SectionName));
        return services.AddMediaProcessingCore();
    }

    /// <summary>The same, configured in code (embedded hosts and tests).</summary>
    public static IServiceCollection AddMediaProcessing(
        this IServiceCollection services,
        Action<ProcessingOptions>? configure = null,
        Action<UrlIngestionOptions>? configureIngestion = null)
    {
        services.AddOptions<ProcessingOptions>().Configure(o => configure?.Invoke(o));
        services.AddOptions<UrlIngestionOptions>().Configure(o => configureIngestion?.Invoke(o));
        return services.AddMediaProcessingCore();
    }

    private static IServiceCollection AddMediaProcessingCore(this IServiceCollection services)
    {
        services.AddOptions<ProcessingOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<UrlIngestionOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<UrlIngestionOptions>, UrlIngestionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ToolRunner>();
        services.TryAddSingleton<ScratchSpace>();
        services.TryAddSingleton<MediaFiles>();
        services.TryAddSingleton<ActionRuntime>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, ImageConvertAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, ImageResizeAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, ImageCropAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, VideoConvertAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, AudioConvertAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, VideoSnapshotsAction>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaAction, DocConvertAction>());
        services.TryAddSingleton<MediaActionRegistry>();
        services.TryAddSingleton<MediaProber>();
        services.TryAddSingleton<UrlIngestion>();
        return services;
    }
}
