using Orleans.Placement;

namespace Orleans.Media.Grains.Work;

/// <summary>
/// Places a grain only on silos with the <c>worker</c> role (silo metadata <see cref="RoleMetadataKey"/>): grains
/// that own background work (extractions, deliveries) never run on api-only silos.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WorkerPlacementFilterAttribute() : PlacementFilterAttribute(new WorkerPlacementFilterStrategy());

/// <summary>The strategy of <see cref="WorkerPlacementFilterAttribute"/>; the silo registers its director.</summary>
public sealed class WorkerPlacementFilterStrategy() : PlacementFilterStrategy(0)
{
    /// <summary>Silo metadata key holding the silo's roles, comma-separated (e.g. <c>api,worker</c>).</summary>
    public const string RoleMetadataKey = "orleans-media.roles";

    public const string WorkerRole = "worker";
}
