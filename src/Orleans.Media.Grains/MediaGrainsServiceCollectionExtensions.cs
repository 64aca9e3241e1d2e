using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Media.Archives;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Tasks;
using Orleans.Media.Runtime;

namespace Orleans.Media.Grains;

public static class MediaGrainsServiceCollectionExtensions
{
    /// <summary>The domain grains of this assembly, their job handlers and the archive engine they drive.</summary>
    public static IServiceCollection AddMediaGrains(this IServiceCollection services)
    {
        services.AddGrainsFromAssembly(typeof(ServiceException).Assembly);
        services.AddJobHandler<FileUncompressionJobHandler>(FileUncompressionJob.Kind);
        services.AddJobHandler<TaskRetentionJobHandler>(TaskRetentionJob.Kind);
        services.TryAddSingleton<ArchiveExtractor>();
        services.TryAddSingleton<ObjectArchiveExtractor>();
        return services;
    }
}
