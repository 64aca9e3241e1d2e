using Npgsql;

namespace Orleans.Media.Runtime.Stores.Postgres;

internal static class PostgresParameters
{
    public static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var v in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        }

        return command;
    }

    public static void Add(this NpgsqlCommand command, params object?[] values)
    {
        foreach (var v in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        }
    }
}
