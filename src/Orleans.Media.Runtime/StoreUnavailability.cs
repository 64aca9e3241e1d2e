using System.Data.Common;

namespace Orleans.Media.Runtime;

/// <summary>
/// Which failures of a grain call mean "the cluster store cannot be reached right now", so front ends answer a
/// retryable "unavailable" instead of an internal error: this silo is fenced or stopped, or the store's provider
/// (Npgsql, Microsoft.Data.Sqlite) marks the failure transient (connection lost, server restarting, failover).
/// The runtime owns the answer because it owns the providers.
/// </summary>
public static class StoreUnavailability
{
    public static bool Is(Exception exception) => exception is SiloUnavailableException or DbException { IsTransient: true };
}
