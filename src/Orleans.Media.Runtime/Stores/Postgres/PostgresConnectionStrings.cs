using System.Data.Common;
using Npgsql;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>
/// The three connection strings a silo derives from <c>ConnectionStrings:Postgres</c>: the data pool (turns, jobs,
/// queries), the control pool (heartbeats and lease renewals: small, short timeouts, so a saturated data pool never
/// fences a healthy silo) and the unpooled LISTEN connection. Settings the user wrote are kept.
/// </summary>
internal static class PostgresConnectionStrings
{
    public static NpgsqlConnectionStringBuilder Data(string connectionString, string siloName)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var data = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(data.ApplicationName))
        {
            data.ApplicationName = "orleans-media-" + siloName;
        }

        if (data.MaxAutoPrepare == 0)
        {
            data.MaxAutoPrepare = 64;
        }

        // The runtime keeps no session state on pooled connections (transaction-scoped settings and locks only; the
        // migration's session lock and LISTEN have unpooled connections of their own), so the seven reset statements
        // Npgsql otherwise sends per checkout (two checkouts per task creation) only cost PostgreSQL CPU. A
        // transaction left open is still rolled back when its connection returns to the pool.
        if (!Given(given, "No Reset On Close"))
        {
            data.NoResetOnClose = true;
        }

        return data;
    }

    public static NpgsqlConnectionStringBuilder Control(NpgsqlConnectionStringBuilder data, TimeSpan heartbeatInterval)
    {
        var timeoutSeconds = TimeoutSeconds(heartbeatInterval);
        return new NpgsqlConnectionStringBuilder(data.ConnectionString)
        {
            ApplicationName = data.ApplicationName + "-control",
            MaxPoolSize = 4,
            MinPoolSize = 0,
            Timeout = Math.Max(2, timeoutSeconds),
            CommandTimeout = timeoutSeconds,
            CancellationTimeout = -1,
        };
    }

    /// <summary>Schema migration holds a session-level advisory lock: its connection is never pooled, so closing it
    /// always ends the session and the lock, whatever failed.</summary>
    public static NpgsqlConnectionStringBuilder Migration(NpgsqlConnectionStringBuilder data) =>
        new(data.ConnectionString) { ApplicationName = data.ApplicationName + "-migrate", Pooling = false };

    public static NpgsqlConnectionStringBuilder Listen(NpgsqlConnectionStringBuilder data, TimeSpan heartbeatInterval)
    {
        var timeoutSeconds = TimeoutSeconds(heartbeatInterval);
        return new NpgsqlConnectionStringBuilder(data.ConnectionString)
        {
            ApplicationName = data.ApplicationName + "-listen",
            Pooling = false,
            KeepAlive = Math.Max(1, timeoutSeconds),
            Timeout = Math.Max(2, timeoutSeconds),
        };
    }

    private static int TimeoutSeconds(TimeSpan heartbeatInterval) => Math.Max(1, (int)Math.Ceiling(heartbeatInterval.TotalSeconds));

    /// <summary>Whether the user's string sets the keyword (any spelling Npgsql accepts: spaces and case are free).
    /// NpgsqlConnectionStringBuilder cannot tell: it answers every known keyword as present.</summary>
    private static bool Given(DbConnectionStringBuilder given, string keyword) =>
        given.Keys.Cast<string>().Any(k => string.Equals(k.Replace(" ", "", StringComparison.Ordinal), keyword.Replace(" ", "", StringComparison.Ordinal),
            StringComparison.OrdinalIgnoreCase));
}
