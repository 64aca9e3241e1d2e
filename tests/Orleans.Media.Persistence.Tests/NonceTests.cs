using Orleans.Media.Persistence.Nonces;
using Orleans.Media.Persistence.Tests.Infrastructure;

namespace Orleans.Media.Persistence.Tests;

public sealed class NonceTests
{
    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task A_nonce_is_accepted_once_per_scope_until_it_expires(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        var later = f.Time.GetUtcNow().AddMinutes(5);

        Assert.True(await f.Nonces.TryRegisterAsync("keyA", "n1", later));
        Assert.False(await f.Nonces.TryRegisterAsync("keyA", "n1", later));
        Assert.True(await f.Nonces.TryRegisterAsync("keyB", "n1", later));

        Assert.True(await f.Nonces.TryRegisterAsync("keyA", "short", f.Time.GetUtcNow().AddSeconds(1)));
        Assert.False(await f.Nonces.TryRegisterAsync("keyA", "short", f.Time.GetUtcNow().AddMinutes(5)));
        f.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await f.Nonces.TryRegisterAsync("keyA", "short", f.Time.GetUtcNow().AddMinutes(5)));   // expired: accepted again
        Assert.False(await f.Nonces.TryRegisterAsync("keyA", "short", f.Time.GetUtcNow().AddMinutes(5)));
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task Concurrent_registrations_of_one_nonce_accept_exactly_one(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        var later = f.Time.GetUtcNow().AddMinutes(5);
        var nonces = Enumerable.Range(0, 50).Select(i => "b" + i).ToList();
        var attempts = nonces.SelectMany(n => Enumerable.Repeat(n, 3)).OrderBy(_ => Random.Shared.Next()).ToList();

        var results = await Task.WhenAll(attempts.Select(async n => (Nonce: n, Accepted: await Task.Run(() => f.Nonces.TryRegisterAsync("race", n, later)))));

        foreach (var n in nonces)
        {
            Assert.Single(results, r => r.Nonce == n && r.Accepted);
        }
    }

    [Theory]
    [InlineData(DatabaseKind.Postgres)]
    [InlineData(DatabaseKind.Sqlite)]
    public async Task The_purge_deletes_expired_registrations_only(DatabaseKind kind)
    {
        await using var f = await PersistenceFixture.CreateAsync(kind);
        Assert.True(await f.Nonces.TryRegisterAsync("s", "old", f.Time.GetUtcNow().AddSeconds(1)));
        Assert.True(await f.Nonces.TryRegisterAsync("s", "new", f.Time.GetUtcNow().AddMinutes(5)));
        f.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(1, await f.Get<NonceRegistry>().PurgeExpiredAsync());

        Assert.Equal(["new"], await Sql.ColumnAsync(f.Database, "SELECT nonce FROM nonces"));
        Assert.False(await f.Nonces.TryRegisterAsync("s", "new", f.Time.GetUtcNow().AddMinutes(5)));
    }

    [Fact]
    public async Task Unavailability_is_a_transient_database_failure_even_wrapped_by_Orleans()
    {
        await using var f = await PersistenceFixture.CreateAsync(DatabaseKind.Postgres);
        var unreachable = MediaDatabase.ForPostgres(new Npgsql.NpgsqlConnectionStringBuilder(f.Database.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => unreachable.OpenAsync());

        Assert.True(StoreUnavailability.Is(error));
        Assert.True(StoreUnavailability.Is(new Orleans.Runtime.OrleansException("storage failed", error)));
        Assert.False(StoreUnavailability.Is(new InvalidOperationException("a bug")));
        Assert.False(StoreUnavailability.Is(new Orleans.Storage.InconsistentStateException("stale")));
    }
}
