using Orleans.Media.Grains.Work;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Orleans.Media.Silo.Security;

/// <summary>
/// Counts the Active silos with the <c>api</c> role in Orleans' membership view (roles from silo metadata). The view
/// is local memory kept current by Orleans, so the request path never waits for the database; a silo that crashed
/// stops taking a share of the rate as soon as the cluster declares it dead.
/// </summary>
public sealed class MembershipApiSiloCount(IClusterMembershipService membership, ISiloMetadataCache metadata) : IApiSiloCount
{
    private MembershipVersion _version = MembershipVersion.MinValue;
    private int _count = 1;

    public int Current
    {
        get
        {
            var snapshot = membership.CurrentSnapshot;
            if (snapshot.Version != _version)
            {
                _count = Count(snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active)
                    .Select(m => metadata.GetSiloMetadata(m.SiloAddress).Metadata.GetValueOrDefault(WorkerPlacementFilterStrategy.RoleMetadataKey)));
                _version = snapshot.Version;
            }

            return _count;
        }
    }

    /// <summary>How many of the active silos' role lists name <c>api</c>; at least 1 (this silo serves).</summary>
    public static int Count(IEnumerable<string?> activeSiloRoles) =>
        Math.Max(1, activeSiloRoles.Count(roles => roles is null || roles.Split(',').Contains(Hosting.SiloOptions.ApiRole, StringComparer.Ordinal)));
}
