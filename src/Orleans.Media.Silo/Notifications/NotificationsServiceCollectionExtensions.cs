using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Media.Grains.Notifications;
using Orleans.Media.Persistence;
using Orleans.Media.Persistence.Queries;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Notifications;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>
    /// Task notifications: topics from <c>OrleansMedia:Notifications</c> (validated at start), their sinks
    /// (webhook, AMQP), the <c>notification-delivery</c> job handler and the admin operations
    /// (<see cref="NotificationsAdminApi"/>). The <see cref="NotificationGrain"/> itself is registered with the other
    /// grains (<c>AddGrainsFromAssembly</c> of the Grains assembly, or <c>AddGrain</c>).
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(WebhookSink.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // Per-topic timeout instead.
            // A redirect is not an acknowledgement: following it would re-send (or drop the body of) a signed POST.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.TryAddSingleton<INotificationTopics, NotificationTopics>();
        services.TryAddSingleton<INotificationSinks, NotificationSinks>();
        services.AddApiOperations(NotificationsAdminApi.Register);
        return services;
    }
}
