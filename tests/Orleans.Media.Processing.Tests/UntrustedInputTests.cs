using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Media.Processing.Actions;
using Orleans.Media.Processing.Probing;
using Orleans.Media.Processing.Tools;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Processing.Tests;

/// <summary>
/// Objects are written by users, so a file named <c>x.mp4</c> may be anything ffmpeg recognises by content: an HLS
/// playlist that names other files (another bucket's object, any file of the silo's disk) or URLs (the metadata
/// service, internal hosts). ffmpeg and ffprobe must read the object and nothing it points to.
/// </summary>
public sealed class UntrustedInputTests : IAsyncLifetime
{
    private readonly ProcessingHost _host = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication _server = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.Run(c =>
        {
            _requests.Enqueue(c.Request.Path);
            c.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
        await _server.StartAsync();
        _port = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _host.Dispose();
    }

    [Theory]
    [InlineData("video/convert", "format=mp4")]
    [InlineData("audio/convert", "format=wav")]
    [InlineData("video/snapshots", "t=0")]
    public async Task A_playlist_naming_a_file_outside_the_bucket_is_not_followed(string action, string parameter)
    {
        var secret = await SecretClipAsync();
        var source = await _host.PutBytesAsync("in/innocent.mp4", Playlist(secret));

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => _host.Actions.Prepare(action, [parameter]).RunAsync(source));

        Assert.Contains("ffmpeg", e.Reason);
        Assert.Empty((await _host.Storage.GetBucket(ProcessingHost.Bucket).ListAsync("in/innocent_output")).Objects);
        Assert.Empty(_host.ScratchLeftovers());
    }

    [Fact]
    public async Task Probing_a_local_playlist_reports_nothing_of_the_files_it_names()
    {
        var secret = await SecretClipAsync();
        var source = await _host.PutBytesAsync("in/innocent.mp4", Playlist(secret));

        var info = await _host.Services.GetRequiredService<MediaProber>().ProbeAsync(source);

        Assert.NotNull(info.Problem);
        Assert.Null(info.Width);
        Assert.Empty(info.Streams);
    }

    [Fact]
    public async Task Probing_an_s3_playlist_makes_no_request_to_the_urls_it_names()
    {
        // ffprobe reads an S3 object over http (a presigned URL), so a playlist's http segments would be fetched from
        // the silo: a request to an internal address that the ingestion guard never sees.
        using var s3 = await S3TestBucket.CreateAsync("om-untrusted-");
        var (bucket, admin, storage) = (s3.Name, s3.Admin, s3.Storage);
        var playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n" + $"http://127.0.0.1:{_port}/latest/meta-data/seg.ts\n#EXT-X-ENDLIST\n";
        await storage.GetBucket(bucket).PutAsync("in/innocent.mp4", new MemoryStream(System.Text.Encoding.ASCII.GetBytes(playlist)));
        var processing = Options.Create(new ProcessingOptions { ScratchRoot = _host.ScratchRoot });
        var prober = new MediaProber(storage, _host.Services.GetRequiredService<ToolRunner>(), new ScratchSpace(processing), new MediaFiles(storage, processing), processing, TimeProvider.System);

        var info = await prober.ProbeAsync(new ObjectUri("oss", bucket, "in/innocent.mp4"));

        Assert.NotNull(info.Problem);
        Assert.Empty(_requests);
        await admin.DeleteObjectAsync(bucket, "in/innocent.mp4");
        await admin.DeleteBucketAsync(bucket);
    }

    [Theory]
    [InlineData("docs/page.html")]
    [InlineData("docs/page.fodt")]
    public async Task A_document_linking_files_and_urls_converts_without_them(string key)
    {
        var secret = Path.Combine(_host.Root, "outside", "secret.png");
        Directory.CreateDirectory(Path.GetDirectoryName(secret)!);
        using (var black = NetVips.Image.Black(64, 48, bands: 3))
        {
            black.WriteToFile(secret);
        }

        var web = $"http://127.0.0.1:{_port}";
        var document = key.EndsWith(".html", StringComparison.Ordinal)
            ? $"""
              <html><head><link rel="stylesheet" href="{web}/style.css"></head><body><p>Hello</p>
              <img src="{web}/latest/meta-data/img.png"><img src="file://{secret}">
              <iframe src="{web}/frame.html"></iframe><table background="{web}/table.png"><tr><td>cell</td></tr></table>
              </body></html>
              """
            : $"""
              <?xml version="1.0" encoding="UTF-8"?>
              <office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
              <office:body><office:text><text:p>Hello</text:p>
              <text:p><draw:frame svg:width="2cm" svg:height="2cm"><draw:image xlink:href="file://{secret}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>
              <text:p><draw:frame svg:width="2cm" svg:height="2cm"><draw:image xlink:href="{web}/img.png" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>
              </office:text></office:body></office:document>
              """;
        var source = await _host.PutBytesAsync(key, System.Text.Encoding.UTF8.GetBytes(document));

        var output = Assert.Single((await _host.Actions.Prepare("doc/convert", ["format=pdf"]).RunAsync(source)).Outputs);

        var pdf = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(_host.PathOf(output.Uri.Key)));
        Assert.StartsWith("%PDF", pdf);
        // The secret image (64x48) is not embedded. (An iframe still shows as LibreOffice's 32x32 placeholder icon.)
        Assert.DoesNotMatch(@"/Subtype\s*/Image\s*/Width\s*64\s*/Height\s*48\b", pdf);
        Assert.Empty(_requests);
        Assert.Empty(_host.ScratchLeftovers());
    }

    [Fact]
    public async Task An_output_named_from_a_dot_dot_source_name_stays_in_its_folder_on_s3()
    {
        // S3 keys may hold "..": a source named x/...png has the barename "..". The SDK (and servers) collapse dot
        // segments in the request path, so out/../converted.png would be written as converted.png, outside out/,
        // over whatever object has that name.
        using var s3 = await S3TestBucket.CreateAsync("om-dots-");
        var (bucket, admin, storage) = (s3.Name, s3.Admin, s3.Storage);
        var image = await _host.MakeImageAsync("made.png");
        await using (var file = File.OpenRead(_host.PathOf(image.Key)))
        {
            await storage.GetBucket(bucket).PutAsync("x/...png", file);
        }

        var processing = Options.Create(new ProcessingOptions { ScratchRoot = _host.ScratchRoot });
        var action = new Actions.Image.ImageConvertAction(new MediaFiles(storage, processing))
            .Prepare(["format=png", "output=oss://{bucket}/out/{barename}/converted.{autoext}"]);

        var e = await Assert.ThrowsAsync<ActionFailedException>(() => action.RunAsync(new ObjectUri("oss", bucket, "x/...png")));

        Assert.Contains("'..'", e.Reason);
        Assert.Equal(["x/...png"], (await storage.GetBucket(bucket).ListAsync(string.Empty)).Objects.Select(o => o.Key));
        await admin.DeleteObjectAsync(bucket, "x/...png");
        await admin.DeleteBucketAsync(bucket);
    }

    /// <summary>A real clip outside every bucket: what a playlist must not reach.</summary>
    private async Task<string> SecretClipAsync()
    {
        var folder = Path.Combine(_host.Root, "outside");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "secret.ts");
        await Tool.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", file]);
        return file;
    }

    private static byte[] Playlist(string segment) =>
        System.Text.Encoding.ASCII.GetBytes($"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n{segment}\n#EXT-X-ENDLIST\n");
}
