using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores.Sqlite;

/// <summary>Builds the SQL of a state query on SQLite: <c>json_extract</c> paths, keyset pagination with row values.</summary>
internal static class SqliteStateQuery
{
    public static SqliteCommand Build(SqliteConnection conn, GrainStateQuery q, bool count)
    {
        var cmd = conn.CreateCommand();
        var sql = new StringBuilder();
        var sort = SortExpression(q);
        sql.Append(count
            ? "SELECT count(*) FROM grains WHERE grain_type = $p0"
            : $"SELECT grain_key, partition_key, version, state, {sort} FROM grains WHERE grain_type = $p0");
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
            var path = Param(cmd, JsonPath(f.Property));
            sql.Append(" AND ").Append(Condition(cmd, f, $"json_extract(state, {path})"));
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

    /// <summary>Whether a page token's sort value is one this store's sort expression prints (REAL, integer ms).</summary>
    public static bool IsSortValue(string? value, StateValueKind kind) => kind switch
    {
        StateValueKind.Number => double.TryParse(value ?? "0", NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        StateValueKind.Time => long.TryParse(value ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ => true,
    };

    private static string JsonPath(string property) => "$." + property;

    private static string SortExpression(GrainStateQuery q)
    {
        if (q.OrderBy is null)
        {
            return "grain_key";
        }

        // Validated identifiers: inlined so the expression repeats verbatim in SELECT, WHERE and ORDER BY.
        var e = $"json_extract(state, '{JsonPath(q.OrderBy)}')";
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
}
