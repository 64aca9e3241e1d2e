using Microsoft.Extensions.Options;
using Orleans.Media.Storage;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>
/// One test's world: a scratch folder, the real local-folder storage backend over it (bucket <c>src</c> holds
/// archives, bucket <c>out</c> receives entries), and helpers to compare against <c>bsdtar -xf</c>.
/// </summary>
internal sealed class ArchiveHarness : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ObjectStorage _storage;

    public ArchiveHarness()
    {
        Directory.CreateDirectory(BucketsRoot);
        Directory.CreateDirectory(Path.Combine(BucketsRoot, "src"));
        Directory.CreateDirectory(Path.Combine(BucketsRoot, "out"));
        Directory.CreateDirectory(Work);
        _storage = new ObjectStorage(Options.Create(new ObjectStorageOptions { DefaultLocalRoot = BucketsRoot }), LocalUrlSigner.CreateEphemeral());
        Extractor = new ArchiveExtractor();
        Objects = new ObjectArchiveExtractor(_storage, Extractor);
    }

    public string Root => _temp.Path;

    public string BucketsRoot => _temp.Combine("buckets");

    /// <summary>Scratch space outside the buckets for building trees and archives.</summary>
    public string Work => _temp.Combine("work");

    public IObjectStorage Storage => _storage;

    public ArchiveExtractor Extractor { get; }

    public ObjectArchiveExtractor Objects { get; }

    public string OutFolder(string prefix = "x") => Path.Combine(BucketsRoot, "out", prefix);

    /// <summary>Copies an archive into bucket <c>src</c> and returns its URI.</summary>
    public ObjectUri Upload(string archivePath)
    {
        var name = Path.GetFileName(archivePath);
        File.Copy(archivePath, Path.Combine(BucketsRoot, "src", name), overwrite: true);
        return ObjectUri.Parse("oss://src/" + name);
    }

    public Task<ExtractionResult> ExtractAsync(string archivePath, ExtractionOptions? options = null, string prefix = "x", CancellationToken cancellationToken = default) =>
        Objects.ExtractAsync(Upload(archivePath), ObjectUri.Parse($"oss://out/{prefix}/"), options ?? new ExtractionOptions(), cancellationToken);

    /// <summary>What <c>bsdtar -xf</c> extracts from the archive, hashed (file symlinks as their target's content).</summary>
    public SortedDictionary<string, string> BsdtarHashes(string archivePath, string? passphrase = null)
    {
        var dir = Path.Combine(Work, "bsdtar-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        List<string> args = passphrase is null ? [] : ["--passphrase", passphrase];
        Tools.TryRun(dir, "bsdtar", [.. args, "-xf", archivePath]);
        return TreeHashes.Of(dir);
    }

    public SortedDictionary<string, string> OutputHashes(string prefix = "x") =>
        Directory.Exists(OutFolder(prefix)) ? TreeHashes.Of(OutFolder(prefix)) : new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Every file anywhere under the scratch root except the inputs: proves nothing landed outside the target.</summary>
    public IReadOnlyList<string> FilesOutside(string prefix = "x")
    {
        var allowed = new[] { Path.Combine(BucketsRoot, "src"), Work, OutFolder(prefix), Path.Combine(BucketsRoot, "out", ".om-tmp") };
        return Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(f => !allowed.Any(a => f.StartsWith(a + "/", StringComparison.Ordinal)))
            .ToList();
    }

    public void Dispose()
    {
        _storage.Dispose();
        _temp.Dispose();
    }
}
