using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Media.Silo.Hosting;
using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Silo.Tests.Storage;

/// <summary>Every direct-upload test again, with Kestrel receiving into the silo's 32 KiB blocks (its default).</summary>
public sealed class DirectUploadsApiLargeBlockTests : DirectUploadsApiTests
{
    protected override int ReceiveBlockKiB => new SiloOptions().ReceiveBlockKiB;

    [Fact]
    public async Task Kestrel_receives_part_bodies_into_the_large_blocks()
    {
        var factory = Assert.IsType<ReceiveBlockMemoryPoolFactory>(App.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.Equal(32 * 1024, factory.BlockSize);
        var data = RandomNumberGenerator.GetBytes((2 * 5 * 1024 * 1024) + 7);
        var plan = MultipartPlan.Create(data.Length, 2);
        var upload = await Uploads.StartMultipartAsync("direct", "blocks.bin", plan, TimeSpan.FromMinutes(10));
        using var http = new HttpClient();

        await Task.WhenAll(upload.Parts.Select(async p =>
        {
            using var response = await http.PutAsync(p.Url, new ByteArrayContent(data, (int)((p.PartNumber - 1) * plan.PartSize), (int)p.Size));
            response.EnsureSuccessStatusCode();
        }));
        var info = await Uploads.CompleteAsync("direct", upload.Key, upload.UploadId, plan);

        Assert.Equal(data.Length, info.Size);
        // The bodies went through the pool's blocks: they are back in its free list, within its cap.
        var pools = factory.Pools.ToArray();
        Assert.Contains(pools, p => p.RetainedBlocks > 0);
        Assert.All(pools, p => Assert.InRange(p.RetainedBlocks, 0, p.MaxRetainedBlocks));
    }
}
