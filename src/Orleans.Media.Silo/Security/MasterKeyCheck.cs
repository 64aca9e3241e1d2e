namespace Orleans.Media.Silo.Security;

/// <summary>
/// Runs once Orleans has started and before the silo serves HTTP: a silo whose master key cannot open the
/// cluster's stored access keys stops here (<see cref="AccessKeyBootstrap.VerifyMasterKeyAsync"/>) instead of
/// answering every signed call with an error.
/// </summary>
public sealed class MasterKeyCheck(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await AccessKeyBootstrap.VerifyMasterKeyAsync(services, cancellationToken))
        {
            throw new Hosting.SiloStartRefusedException(
                "This silo's master key does not decrypt the cluster's access keys: set AccessKeys:MasterKeyPath to the cluster's master key file.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
