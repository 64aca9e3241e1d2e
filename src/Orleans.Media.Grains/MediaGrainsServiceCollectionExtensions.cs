using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Media.Archives;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Indexing;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Grains.Work;

namespace Orleans.Media.Grains;

public static class MediaGrainsServiceCollectionExtensions
{
    /// <summary>
    /// What the domain grains need besides Orleans: their work settings (<see cref="WorkOptions"/>, validated at
    /// start), the per-silo extraction cap, the index writer and listings, and the archive engine they drive.
    /// </summary>
    public static IServiceCollection AddMediaGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WorkOptions>().Bind(configuration.GetSection(WorkOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<WorkOptions>, WorkOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ExtractionCapacity>();
        services.TryAddSingleton<StateIndex>();
        services.TryAddSingleton<TaskListing>();
        services.TryAddSingleton<FileUncompressionWork>();
        services.TryAddSingleton<ArchiveExtractor>();
        services.TryAddSingleton<ObjectArchiveExtractor>();
        return services;
    }
}
