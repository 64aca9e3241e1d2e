using Npgsql;
using Orleans.Media.Runtime.Stores.Postgres;
using Orleans.Media.Testing;

namespace Orleans.Media.Runtime.Tests.Postgres;

/// <summary>
/// The data pool skips Npgsql's per-checkout reset (seven statements each time a connection returns), which is safe
/// only because the runtime keeps no session state and a transaction left open is still rolled back on return.
/// </summary>
public sealed class PooledConnectionTests
{
    [Theory]
    [InlineData("Host=h;Username=u", true)]
    [InlineData("Host=h;Username=u;No Reset On Close=false", false)]
    [InlineData("Host=h;Username=u;noresetonclose=False", false)]
    public void Data_pool_skips_the_reset_unless_the_connection_string_says_otherwise(string connectionString, bool expected)
    {
        var data = PostgresConnectionStrings.Data(connectionString, "s1");

        Assert.Equal(expected, data.NoResetOnClose);
        Assert.Equal(64, data.MaxAutoPrepare);
        Assert.Equal("orleans-media-s1", data.ApplicationName);
    }

    [Fact]
    public void Settings_the_user_wrote_are_kept()
    {
        var data = PostgresConnectionStrings.Data("Host=h;Username=u;Application Name=mine;Max Auto Prepare=8", "s1");

        Assert.Equal("mine", data.ApplicationName);
        Assert.Equal(8, data.MaxAutoPrepare);
        Assert.Equal("mine-control", PostgresConnectionStrings.Control(data, TimeSpan.FromSeconds(2)).ApplicationName);
        Assert.False(PostgresConnectionStrings.Listen(data, TimeSpan.FromSeconds(2)).Pooling);
        Assert.False(PostgresConnectionStrings.Migration(data).Pooling); // its session lock must die with the connection
    }

    [Fact]
    public async Task A_returned_connection_is_not_reset_but_its_open_transaction_is_rolled_back()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var builder = PostgresConnectionStrings.Data(db.ConnectionString, "pooled");
        builder.MaxPoolSize = 1; // every checkout gets the same physical connection
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var setup = source.CreateCommand("CREATE TABLE pooled_probe (id int)"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        int backend;
        await using (var conn = await source.OpenConnectionAsync())
        {
            backend = conn.ProcessID;
            await using var session = new NpgsqlCommand("SET work_mem = '7MB'", conn); // its own statement: a rollback would undo it
            await session.ExecuteNonQueryAsync();
            await using var open = new NpgsqlCommand("BEGIN; INSERT INTO pooled_probe VALUES (1)", conn);
            await open.ExecuteNonQueryAsync();
        } // returned with the transaction open

        await using (var conn = await source.OpenConnectionAsync())
        {
            Assert.Equal(backend, conn.ProcessID);

            // Not reset: the session setting survived the checkout (the reset statements were not sent) ...
            await using var show = new NpgsqlCommand("SHOW work_mem", conn);
            Assert.Equal("7MB", await show.ExecuteScalarAsync());

            // ... but the open transaction was rolled back: the row is gone and the connection takes new work.
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pooled_probe", conn);
            Assert.Equal(0L, await count.ExecuteScalarAsync());
            await using var state = new NpgsqlCommand("SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()", conn);
            Assert.Equal("active", await state.ExecuteScalarAsync());
        }
    }
}
