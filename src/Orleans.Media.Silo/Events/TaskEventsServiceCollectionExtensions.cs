using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Media.Silo.Events;

public static class TaskEventsServiceCollectionExtensions
{
    /// <summary>The live-progress endpoints' settings from <c>OrleansMedia:Events</c>, validated at start.</summary>
    public static IServiceCollection AddTaskEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TaskEventsOptions>().Bind(configuration.GetSection(TaskEventsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
