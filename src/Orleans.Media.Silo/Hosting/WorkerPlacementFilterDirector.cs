using Orleans.Media.Grains.Work;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Orleans.Media.Silo.Hosting;

/// <summary>Keeps the silos whose metadata lists the <c>worker</c> role (see <see cref="WorkerPlacementFilterAttribute"/>).</summary>
public sealed class WorkerPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        silos.Where(silo =>
            metadata.GetSiloMetadata(silo).Metadata.TryGetValue(WorkerPlacementFilterStrategy.RoleMetadataKey, out var roles) &&
            roles.Split(',').Contains(WorkerPlacementFilterStrategy.WorkerRole, StringComparer.Ordinal));
}
