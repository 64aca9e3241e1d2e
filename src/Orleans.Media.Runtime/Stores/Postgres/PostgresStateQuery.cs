using System.Globalization;
using System.Text;
using Npgsql;
using Orleans.Media.Runtime.Core;

namespace Orleans.Media.Runtime.Stores.Postgres;

/// <summary>Builds the SQL of a state query: jsonb paths (<c>state #&gt;&gt; path</c>), keyset pagination.</summary>
internal static class PostgresStateQuery
{
    public static NpgsqlCommand Build(NpgsqlDataSource dataSource, GrainStateQuery q, bool count)
    {
        var cmd = dataSource.CreateCommand();
        var sql = new StringBuilder();
        var sort = SortExpression(q);
        sql.Append(count
            ? "SELECT count(*) FROM grains WHERE grain_type = $1"
            : $"SELECT grain_key, partition_key, version, state::text, ({sort})::text FROM grains WHERE grain_type = $1");
        cmd.Add(q.GrainType);
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
            var path = Param(cmd, StateQueryValidation.Path(f.Property));
            var text = $"(state #>> {path}::text[])";
            sql.Append(" AND ").Append(Condition(cmd, f, text));
        }

        if (count)
        {
            return Finish(cmd, sql);
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
        return Finish(cmd, sql);
    }

    /// <summary>
    /// Whether a page token's sort value is what this store's sort expression prints (numeric or timestamptz as text):
    /// checked by the query service before PostgreSQL casts it, so a forged value is the caller's
    /// <see cref="InvalidPageTokenException"/> while a data error of the stored state stays a server error.
    /// </summary>
    public static bool IsSortValue(string? value, StateValueKind kind)
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

    private static NpgsqlCommand Finish(NpgsqlCommand cmd, StringBuilder sql)
    {
        cmd.CommandText = sql.ToString();
        return cmd;
    }

    private static string SortExpression(GrainStateQuery q)
    {
        if (q.OrderBy is null)
        {
            return "grain_key";
        }

        // Paths are validated identifiers, so inlining them is safe and lets the expression repeat verbatim. Elements
        // are quoted: an unquoted NULL (any case) in an array literal is SQL NULL, not the key "null".
        var path = "'{" + string.Join(',', StateQueryValidation.Path(q.OrderBy).Select(p => "\"" + p + "\"")) + "}'";
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
            string => (text, "text"),
            bool => (text, "text"),
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
            StateFilterOp.In => $"{expr} = ANY({Param(cmd, f.Values.Select(v => Convert.ToString(Normalize(v), CultureInfo.InvariantCulture)).ToArray())}::{cast}[])",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        };
    }

    /// <summary>Values travel as text and are cast in SQL, so one code path serves every type.</summary>
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
