using Orleans.Media.Testing;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// One real silo process on its own PostgreSQL database, with a fresh s3rver bucket configured as an S3 bucket of the
/// silo, short runtime timings, and a signing client with the admin key the silo wrote on first start.
/// </summary>
public sealed class PostgresSiloFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public S3TestBucket Bucket { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public SiloCredentials Credentials { get; private set; } = null!;

    public ImmClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        Bucket = await S3TestBucket.CreateAsync();
        Silo = await SiloProcess.StartAsync(new SiloProcessOptions { Name = "pg-1" }
            .WithFastTimings()
            .WithPostgres(Database.ConnectionString)
            .WithS3Bucket(Bucket.Name));
        Credentials = await Silo.ReadCredentialsAsync();
        Client = new ImmClient(Silo.BaseAddress, Credentials);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        Bucket?.Dispose();
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
