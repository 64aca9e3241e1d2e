using Orleans.Media.Silo.Hosting;

namespace Orleans.Media.Silo.Tests.Configuration;

public sealed class SiloOptionsValidatorTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(32)]
    [InlineData(1024)]
    public void Receive_blocks_from_4_KiB_to_1_MiB_are_accepted(int kib) =>
        Assert.True(new SiloOptionsValidator().Validate(null, new SiloOptions { ReceiveBlockKiB = kib }).Succeeded);

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1025)]
    public void Receive_blocks_outside_4_KiB_to_1_MiB_refuse_the_start_naming_the_setting(int kib)
    {
        var result = new SiloOptionsValidator().Validate(null, new SiloOptions { ReceiveBlockKiB = kib });
        Assert.True(result.Failed);
        Assert.Contains("OrleansMedia:ReceiveBlockKiB", result.FailureMessage, StringComparison.Ordinal);
    }
}
