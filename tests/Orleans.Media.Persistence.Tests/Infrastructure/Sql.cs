using System.Data.Common;
using System.Globalization;

namespace Orleans.Media.Persistence.Tests.Infrastructure;

/// <summary>Plain SQL against a test database ("behind the grain's back").</summary>
public static class Sql
{
    public static async Task<int> ExecuteAsync(MediaDatabase db, string sql)
    {
        await using var conn = await db.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<long> CountAsync(MediaDatabase db, string sql)
    {
        await using var conn = await db.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<List<string>> ColumnAsync(MediaDatabase db, string sql)
    {
        await using var conn = await db.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await using DbDataReader reader = await cmd.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        }

        return values;
    }
}
