using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Orleans.Media.Runtime.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public async Task Invalid_options_fail_the_start_with_messages_naming_the_settings()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGrainRuntime(o =>
        {
            o.Roles = ["api", "cook"];
            o.HeartbeatInterval = TimeSpan.FromSeconds(2);
            o.SiloLeaseTime = TimeSpan.FromSeconds(10);
            o.JobLeaseTime = TimeSpan.FromSeconds(8);
        }).UseSqlite(Path.Combine(Path.GetTempPath(), "om-invalid-" + Guid.NewGuid().ToString("N"), "x.db"));
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(error.Failures, f => f.Contains("GrainRuntime:Roles") && f.Contains("cook"));
        Assert.Contains(error.Failures, f => f.Contains("GrainRuntime:JobLeaseTime") && f.Contains("SiloLeaseTime"));
    }

    [Fact]
    public async Task A_runtime_without_a_store_says_how_to_choose_one()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddGrainRuntime();
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("UsePostgres", error.Message);
    }

    [Fact]
    public void Grain_ids_print_and_parse_as_type_slash_key()
    {
        var id = new GrainId("imm-task", "project/task-1");
        Assert.Equal("imm-task/project/task-1", id.ToString());
        Assert.Equal(id, GrainId.Parse(id.ToString()));
        Assert.False(GrainId.TryParse("nokey", out _));
        Assert.Throws<FormatException>(() => GrainId.Parse("/x"));
    }
}
