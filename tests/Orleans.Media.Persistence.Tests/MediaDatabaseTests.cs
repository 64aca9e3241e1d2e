using Npgsql;

namespace Orleans.Media.Persistence.Tests;

public sealed class MediaDatabaseTests
{
    [Fact]
    public async Task PostgreSQL_statements_are_prepared_automatically_unless_the_connection_string_says_otherwise()
    {
        await using var plain = MediaDatabase.ForPostgres("Host=127.0.0.1;Username=postgres;Database=postgres");
        Assert.Equal(MediaDatabase.DefaultMaxAutoPrepare, new NpgsqlConnectionStringBuilder(plain.ConnectionString).MaxAutoPrepare);

        await using var off = MediaDatabase.ForPostgres("Host=127.0.0.1;Username=postgres;Max Auto Prepare=0");
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(off.ConnectionString).MaxAutoPrepare);

        await using var own = MediaDatabase.ForPostgres("Host=127.0.0.1;Username=postgres;maxautoprepare=5");
        Assert.Equal(5, new NpgsqlConnectionStringBuilder(own.ConnectionString).MaxAutoPrepare);
    }

    [Fact]
    public async Task Pooled_PostgreSQL_connections_skip_the_reset_on_return_unless_the_connection_string_says_otherwise()
    {
        // Safe because nothing here keeps session state (settings are SET LOCAL); GrainIndexTests shows a pooled
        // connection commits synchronously again after a written-ahead row.
        await using var plain = MediaDatabase.ForPostgres("Host=127.0.0.1;Username=postgres;Database=postgres");
        Assert.True(new NpgsqlConnectionStringBuilder(plain.ConnectionString).NoResetOnClose);

        await using var own = MediaDatabase.ForPostgres("Host=127.0.0.1;Username=postgres;No Reset On Close=false");
        Assert.False(new NpgsqlConnectionStringBuilder(own.ConnectionString).NoResetOnClose);
    }
}
