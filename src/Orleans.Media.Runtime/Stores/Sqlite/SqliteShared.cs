using System.Collections.Concurrent;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores.Sqlite;

/// <summary>
/// Per database file, process-wide: the single-writer gate (SQLite allows one writer; queuing here beats spinning
/// on SQLITE_BUSY) and the wake-up signals shared by all silos of this process on that file.
/// </summary>
internal sealed class SqliteShared
{
    private static readonly ConcurrentDictionary<string, SqliteShared> ByPath = new(StringComparer.Ordinal);

    public SqliteWriteGate WriteGate { get; } = new();

    public AsyncSignal EventsAppended { get; } = new();

    public AsyncSignal JobsScheduled { get; } = new();

    public static SqliteShared For(string fullPath) => ByPath.GetOrAdd(fullPath, _ => new SqliteShared());
}
