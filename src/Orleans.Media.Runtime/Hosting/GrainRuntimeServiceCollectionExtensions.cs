using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Media.Runtime.Core;
using Orleans.Media.Runtime.Stores;

namespace Orleans.Media.Runtime;

public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grain runtime: <see cref="IGrainFactory"/>, <see cref="IGrainStateQuery"/>, <see cref="IStreamReader"/>,
    /// <see cref="IStreamCursorStore"/>, <see cref="IClusterMembership"/>, <see cref="INonceRegistry"/>, and a hosted
    /// service that migrates the store, joins the membership and runs the job, reminder and purge loops.
    /// Then call <c>UsePostgres</c> or <c>UseSqlite</c>.
    /// </summary>
    public static GrainRuntimeBuilder AddGrainRuntime(this IServiceCollection services, Action<GrainRuntimeOptions>? configure = null)
    {
        var alreadyAdded = services.Any(d => d.ServiceType == typeof(GrainRuntimeHost));
        var options = services.AddOptions<GrainRuntimeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainRuntimeOptions>, GrainRuntimeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<GrainRegistry>();
        services.TryAddSingleton<LocalSilo>();
        services.TryAddSingleton(sp => RuntimeStoreFactory.Create(sp));
        services.TryAddSingleton<GrainRuntime>();
        services.TryAddSingleton<JobWorker>();
        services.TryAddSingleton<ReminderAgent>();
        services.TryAddSingleton<MembershipAgent>();
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.TryAddSingleton<IClusterMembership>(sp => sp.GetRequiredService<LocalSilo>());
        services.TryAddSingleton<IGrainStateQuery, GrainStateQueryService>();
        services.TryAddSingleton<IStreamReader, StreamReaderService>();
        services.TryAddSingleton<IStreamCursorStore, StreamCursorStore>();
        services.TryAddSingleton<INonceRegistry, NonceRegistry>();
        if (!alreadyAdded)
        {
            // Calling AddGrainRuntime twice (e.g. to configure more options) must not start the silo twice.
            services.AddSingleton<GrainRuntimeHost>();
            services.AddHostedService(sp => sp.GetRequiredService<GrainRuntimeHost>());
        }
        return new GrainRuntimeBuilder(services);
    }

    public static IServiceCollection AddGrain<TGrainInterface, TGrain>(this IServiceCollection services)
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        services.AddSingleton(new GrainRegistration(typeof(TGrainInterface), typeof(TGrain)));
        return services;
    }

    /// <summary>Registers every non-abstract <see cref="Grain"/> class with <see cref="GrainTypeAttribute"/> in the
    /// assembly, for each grain interface it implements.</summary>
    public static IServiceCollection AddGrainsFromAssembly(this IServiceCollection services, Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (type.IsAbstract || !typeof(Grain).IsAssignableFrom(type) || type.GetCustomAttribute<GrainTypeAttribute>() is null)
            {
                continue;
            }

            foreach (var itf in type.GetInterfaces())
            {
                if (typeof(IGrainWithStringKey).IsAssignableFrom(itf) && itf != typeof(IGrainWithStringKey))
                {
                    services.AddSingleton(new GrainRegistration(itf, type));
                }
            }
        }

        return services;
    }

    /// <summary>Registers the handler of one job kind (a new instance per attempt, in its own DI scope).</summary>
    public static IServiceCollection AddJobHandler<THandler>(this IServiceCollection services, string kind)
        where THandler : class, IJobHandler
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        services.AddKeyedTransient<IJobHandler, THandler>(kind);
        services.AddSingleton(new JobHandlerRegistration(kind, typeof(THandler)));
        return services;
    }
}
