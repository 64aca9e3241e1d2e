using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Media.Silo.Hosting;

namespace Orleans.Media.Silo.Tests.Configuration;

public sealed class GrainCollectionSettingsTests
{
    [Fact]
    public void The_silo_sheds_idle_activations_under_memory_pressure_by_default()
    {
        var options = Build([]);

        Assert.True(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(80, options.MemoryUsageLimitPercentage);
    }

    [Fact]
    public void OrleansMedia_GrainCollection_settings_override_the_defaults()
    {
        var options = Build(new()
        {
            ["OrleansMedia:GrainCollection:EnableActivationSheddingOnMemoryPressure"] = "false",
            ["OrleansMedia:GrainCollection:CollectionAge"] = "00:05:00",
        });

        Assert.False(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CollectionAge);
    }

    /// <summary>The embedded default's host, built (not started): its grain collection options.</summary>
    private static GrainCollectionOptions Build(Dictionary<string, string?> settings)
    {
        var dataDir = Directory.CreateTempSubdirectory("grain-collection-").FullName;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                ["OrleansMedia:DataDir"] = dataDir,
            });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddOrleansMediaSilo();
            using var app = builder.Build();
            return app.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;
        }
        finally
        {
            Directory.Delete(dataDir, true);
        }
    }
}
