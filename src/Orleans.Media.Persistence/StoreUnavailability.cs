using System.Data.Common;
using Orleans.Runtime;

namespace Orleans.Media.Persistence;

/// <summary>
/// Which failures mean "the database (or the silo serving the call) cannot be reached right now", so front ends
/// answer a retryable "unavailable" instead of an internal error: the provider (Npgsql, Microsoft.Data.Sqlite)
/// marks the failure transient (connection lost, server restarting, failover, busy), or Orleans reports the silo
/// gone. Orleans wraps a storage provider's failure in an <see cref="OrleansException"/>, so the causes are
/// searched too.
/// </summary>
public static class StoreUnavailability
{
    public static bool Is(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case DbException { IsTransient: true }:
                case SiloUnavailableException:
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(Is);
            }
        }

        return false;
    }
}
