using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Orleans.Media.Persistence.Queries;

namespace Orleans.Media.Persistence.Index;

/// <summary>grain_index on SQLite: state as JSON text read with <c>json_extract</c>; keyset pagination with row values.</summary>
internal sealed class SqliteIndexStore(MediaDatabase database) : IGrainIndexStore
{
    public async Task UpsertAsync(GrainIndexEntry entry, bool awaitFlush, CancellationToken cancellationToken)
    {
        // One file, one writer at a time: SQLite commits every write the same way (awaitFlush has nothing to save).
        // json() refuses malformed JSON (as PostgreSQL's jsonb cast does) and stores it minified.
        await ExecuteAsync(
            "INSERT INTO grain_index (grain_type, grain_key, partition_key, version, state, updated_at) VALUES ($t, $k, $p, $v, json($s), $now) " +
            "ON CONFLICT (grain_type, grain_key) DO UPDATE SET partition_key = excluded.partition_key, version = excluded.version, " +
            "state = excluded.state, updated_at = excluded.updated_at WHERE grain_index.version <= excluded.version",
            cancellationToken,
            ("$t", entry.GrainType), ("$k", entry.Key), ("$p", entry.Partition), ("$v", entry.Version), ("$s", entry.StateJson),
            ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
    }

    public Task DeleteAsync(string grainType, string key, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM grain_index WHERE grain_type = $t AND grain_key = $k", cancellationToken, ("$t", grainType), ("$k", key));

    public async Task<IReadOnlyList<IndexRow>> QueryAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        await using var conn = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Build(conn, query, count: false);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<IndexRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new IndexRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
                reader.GetString(3), reader.IsDBNull(4) ? null : Convert.ToString(reader.GetValue(4), CultureInfo.InvariantCulture)));
        }

        return rows;
    }

    public async Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        await using var conn = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = Build(conn, query, count: true);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Whether a page token's sort value is one this store's sort expression prints (REAL, integer ms).</summary>
    public bool IsSortValue(string? value, StateValueKind kind) => kind switch
    {
        StateValueKind.Number => double.TryParse(value ?? "0", NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        StateValueKind.Time => long.TryParse(value ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ => true,
    };

    internal static SqliteCommand Build(SqliteConnection conn, GrainStateQuery q, bool count)
    {
        var cmd = conn.CreateCommand();
        var sql = new StringBuilder();
        var sort = SortExpression(q);
        sql.Append(count
            ? "SELECT count(*) FROM grain_index WHERE grain_type = $p0"
            : $"SELECT grain_key, partition_key, version, state, {sort} FROM grain_index WHERE grain_type = $p0");
        cmd.Parameters.AddWithValue("$p0", q.GrainType);
        if (q.Partition is not null)
        {
            sql.Append(" AND partition_key = ").Append(Param(cmd, q.Partition));
        }

        if (!string.IsNullOrEmpty(q.KeyPrefix))
        {
            var p = Param(cmd, q.KeyPrefix);
            sql.Append($" AND substr(grain_key, 1, length({p})) = {p}");
        }

        foreach (var f in q.Filters)
        {
            sql.Append(" AND ").Append(Condition(cmd, f, Extract(f.Property)));
        }

        if (count)
        {
            cmd.CommandText = sql.ToString();
            return cmd;
        }

        var op = q.Descending ? "<" : ">";
        var dir = q.Descending ? "DESC" : "ASC";
        if (q.PageToken is not null)
        {
            var (value, key) = PageToken.Decode(q);
            if (q.OrderBy is null)
            {
                sql.Append($" AND grain_key {op} ").Append(Param(cmd, key));
            }
            else
            {
                // The query service checked the value with IsSortValue before the query got here.
                object typed = q.OrderByKind switch
                {
                    StateValueKind.Number => double.Parse(value ?? "0", NumberStyles.Float, CultureInfo.InvariantCulture),
                    StateValueKind.Time => long.Parse(value ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture),
                    _ => value ?? "",
                };
                sql.Append($" AND ({sort}, grain_key) {op} (").Append(Param(cmd, typed)).Append(", ").Append(Param(cmd, key)).Append(')');
            }
        }

        sql.Append(q.OrderBy is null ? $" ORDER BY grain_key {dir}" : $" ORDER BY {sort} {dir}, grain_key {dir}");
        sql.Append(" LIMIT ").Append(Param(cmd, q.Limit + 1));
        cmd.CommandText = sql.ToString();
        return cmd;
    }

    /// <summary>A validated path, inlined so the expression is the one the expression indexes are built on.</summary>
    private static string Extract(string property) => $"json_extract(state, '$.{property}')";

    private static string SortExpression(GrainStateQuery q)
    {
        if (q.OrderBy is null)
        {
            return "grain_key";
        }

        var e = Extract(q.OrderBy);
        return q.OrderByKind switch
        {
            StateValueKind.Number => $"coalesce(CAST({e} AS REAL), 0.0)",

            // Integer milliseconds: exact round trip through the page token (julianday as REAL would not be).
            StateValueKind.Time => $"coalesce(CAST(round((julianday({e}) - 2440587.5) * 86400000.0) AS INTEGER), 0)",
            _ => $"coalesce({e}, '')",
        };
    }

    private static string Condition(SqliteCommand cmd, StateFilter f, string expr)
    {
        var first = f.Values[0];
        Func<object, object> convert;
        string lhs;
        switch (first)
        {
            case string:
                lhs = expr;
                convert = v => (string)v;
                break;
            case Enum:
                // MediaJson writes enums as their names.
                lhs = expr;
                convert = v => v.ToString()!;
                break;
            case bool:
                lhs = expr;
                convert = v => (bool)v ? 1L : 0L;
                break;
            case DateTimeOffset or DateTime:
                lhs = $"CAST(round((julianday({expr}) - 2440587.5) * 86400000.0) AS INTEGER)";
                convert = v => v is DateTimeOffset d ? d.ToUnixTimeMilliseconds() : new DateTimeOffset(((DateTime)v).ToUniversalTime()).ToUnixTimeMilliseconds();
                break;
            case int or long or short or byte or uint or ulong or double or float or decimal:
                lhs = $"CAST({expr} AS REAL)";
                convert = v => Convert.ToDouble(v, CultureInfo.InvariantCulture);
                break;
            default:
                throw new ArgumentException($"Filter on {f.Property}: unsupported value type {first.GetType().Name}.");
        }

        return f.Op switch
        {
            StateFilterOp.Eq => $"{lhs} = {Param(cmd, convert(first))}",
            StateFilterOp.Gte => $"{lhs} >= {Param(cmd, convert(first))}",
            StateFilterOp.Lte => $"{lhs} <= {Param(cmd, convert(first))}",
            StateFilterOp.Prefix => $"substr({expr}, 1, length({Param(cmd, first)})) = {Param(cmd, first)}",
            StateFilterOp.In => $"{lhs} IN ({string.Join(", ", f.Values.Select(v => Param(cmd, convert(v))))})",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
    }

    private static string Param(SqliteCommand cmd, object value)
    {
        var name = "$p" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        cmd.Parameters.AddWithValue(name, value);
        return name;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var conn = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
