using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Orleans.Media.Persistence.Queries;

namespace Orleans.Media.Persistence.Index;

/// <summary>grain_index on PostgreSQL: state as jsonb, read with <c>state #&gt;&gt; path</c>; keyset pagination.</summary>
internal sealed class PostgresIndexStore(MediaDatabase database) : IGrainIndexStore
{
    private readonly NpgsqlDataSource _data = (NpgsqlDataSource)database.DataSource;

    /// <summary>Rows written ahead, many to a transaction (<see cref="PostgresIndexAheadWriter"/>).</summary>
    private readonly PostgresIndexAheadWriter _ahead = new((NpgsqlDataSource)database.DataSource);

    /// <summary>The version rule of every index write: a stored row is replaced only by an entry of its version or newer.</summary>
    internal const string OnConflictKeepNewest =
        "ON CONFLICT (grain_type, grain_key) DO UPDATE SET partition_key = excluded.partition_key, version = excluded.version, " +
        "state = excluded.state, updated_at = now() WHERE g.version <= excluded.version";

    private const string UpsertSql =
        "INSERT INTO grain_index AS g (grain_type, grain_key, partition_key, version, state) VALUES ($1, $2, $3, $4, $5::jsonb) " +
        OnConflictKeepNewest;

    public async Task UpsertAsync(GrainIndexEntry entry, bool awaitFlush, CancellationToken cancellationToken)
    {
        if (!awaitFlush)
        {
            await _ahead.WriteAsync(entry, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var upsert = _data.CreateCommand(UpsertSql);
        upsert.Parameters.Add(new NpgsqlParameter { Value = entry.GrainType });
        upsert.Parameters.Add(new NpgsqlParameter { Value = entry.Key });
        upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Partition ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        upsert.Parameters.Add(new NpgsqlParameter { Value = entry.Version });
        upsert.Parameters.Add(new NpgsqlParameter { Value = entry.StateJson, NpgsqlDbType = NpgsqlDbType.Text });
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string grainType, string key, CancellationToken cancellationToken)
    {
        await using var cmd = _data.CreateCommand("DELETE FROM grain_index WHERE grain_type = $1 AND grain_key = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = grainType });
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<IndexRow>> QueryAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        await using var cmd = Build(query, count: false);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<IndexRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new IndexRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    public async Task<long> CountAsync(GrainStateQuery query, CancellationToken cancellationToken)
    {
        await using var cmd = Build(query, count: true);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Whether a page token's sort value is what this store's sort expression prints (numeric or timestamptz as text):
    /// checked before PostgreSQL casts it, so a forged value is the caller's <see cref="InvalidPageTokenException"/>
    /// while a data error of the stored state stays a server error.
    /// </summary>
    public bool IsSortValue(string? value, StateValueKind kind)
    {
        var text = value ?? "";
        return kind switch
        {
            StateValueKind.Number => decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _),
            StateValueKind.Time => text is "-infinity" or "infinity" || DateTimeOffset.TryParseExact(
                text, TimestamptzFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            _ => true,
        };
    }

    /// <summary>timestamptz::text under the default DateStyle (ISO): "2026-11-21 21:08:17.940398+00", the fraction
    /// only when non-zero, the offset as +hh or +hh:mm.</summary>
    private static readonly string[] TimestamptzFormats =
        ["yyyy-MM-dd HH:mm:ss.FFFFFFzz", "yyyy-MM-dd HH:mm:ss.FFFFFFzzz", "yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mm:sszzz"];

    internal NpgsqlCommand Build(GrainStateQuery q, bool count)
    {
        var cmd = _data.CreateCommand();
        var sql = new StringBuilder();
        var sort = SortExpression(q);
        sql.Append(count
            ? "SELECT count(*) FROM grain_index WHERE grain_type = $1"
            : $"SELECT grain_key, partition_key, version, state::text, ({sort})::text FROM grain_index WHERE grain_type = $1");
        Param(cmd, q.GrainType);
        if (q.Partition is not null)
        {
            sql.Append(" AND partition_key = ").Append(Param(cmd, q.Partition));
        }

        if (!string.IsNullOrEmpty(q.KeyPrefix))
        {
            sql.Append(" AND starts_with(grain_key, ").Append(Param(cmd, q.KeyPrefix)).Append(')');
        }

        foreach (var f in q.Filters)
        {
            sql.Append(" AND ").Append(Condition(cmd, f, $"(state #>> {PathLiteral(f.Property)})"));
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
                var cast = q.OrderByKind switch { StateValueKind.Number => "numeric", StateValueKind.Time => "timestamptz", _ => "text" };
                sql.Append($" AND (({sort}), grain_key) {op} (").Append(Param(cmd, value ?? "")).Append($"::{cast}, ")
                    .Append(Param(cmd, key)).Append(')');
            }
        }

        sql.Append(q.OrderBy is null ? $" ORDER BY grain_key {dir}" : $" ORDER BY ({sort}) {dir}, grain_key {dir}");
        sql.Append(" LIMIT ").Append(Param(cmd, q.Limit + 1));
        cmd.CommandText = sql.ToString();
        return cmd;
    }

    /// <summary>
    /// A validated property path as a text[] literal. Inlined (not a parameter) so filter and sort expressions are
    /// the ones the expression indexes of 002_media.sql are built on. Elements are quoted: an unquoted NULL (any
    /// case) in an array literal is SQL NULL, not the key "null".
    /// </summary>
    private static string PathLiteral(string property) =>
        "'{" + string.Join(',', StateQueryValidation.Path(property).Select(p => "\"" + p + "\"")) + "}'";

    private static string SortExpression(GrainStateQuery q)
    {
        if (q.OrderBy is null)
        {
            return "grain_key";
        }

        var path = PathLiteral(q.OrderBy);
        return q.OrderByKind switch
        {
            StateValueKind.Number => $"coalesce((state #>> {path})::numeric, 0)",
            StateValueKind.Time => $"coalesce((state #>> {path})::timestamptz, '-infinity'::timestamptz)",
            _ => $"coalesce(state #>> {path}, '')",
        };
    }

    private static string Condition(NpgsqlCommand cmd, StateFilter f, string text)
    {
        var first = f.Values[0];
        var (expr, cast) = first switch
        {
            string or bool or Enum => (text, "text"),
            DateTimeOffset or DateTime => ($"({text})::timestamptz", "timestamptz"),
            _ when IsNumber(first) => ($"({text})::numeric", "numeric"),
            _ => throw new ArgumentException($"Filter on {f.Property}: unsupported value type {first.GetType().Name}."),
        };
        return f.Op switch
        {
            StateFilterOp.Eq => $"{expr} = {Param(cmd, Normalize(first))}::{cast}",
            StateFilterOp.Gte => $"{expr} >= {Param(cmd, Normalize(first))}::{cast}",
            StateFilterOp.Lte => $"{expr} <= {Param(cmd, Normalize(first))}::{cast}",
            StateFilterOp.Prefix => $"starts_with({text}, {Param(cmd, (string)first)})",
            StateFilterOp.In => $"{expr} = ANY({Param(cmd, f.Values.Select(Normalize).ToArray())}::{cast}[])",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
    }

    /// <summary>Values travel as text and are cast in SQL, so one code path serves every type. Enums as their names
    /// (how <see cref="MediaJson"/> writes them).</summary>
    private static string Normalize(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTime d => new DateTimeOffset(d.ToUniversalTime()).ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static bool IsNumber(object v) => v is int or long or short or byte or uint or ulong or double or float or decimal;

    private static string Param(NpgsqlCommand cmd, object value)
    {
        cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        return "$" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture);
    }
}
