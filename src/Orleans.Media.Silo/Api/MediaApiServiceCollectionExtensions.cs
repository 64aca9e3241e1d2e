using Orleans.Media.Silo.Api.Imm;
using Orleans.Media.Silo.Protocols;

namespace Orleans.Media.Silo.Api;

public static class MediaApiServiceCollectionExtensions
{
    /// <summary>Every operation group the silo serves, added to the protocol layer's catalog.</summary>
    public static IServiceCollection AddMediaApis(this IServiceCollection services) =>
        services
            .AddApiOperations(ImmProjectsApi.Register)
            .AddApiOperations(ImmTasksApi.Register);
}
