using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>A bucket folder whose writes use named temp files, the path for file systems without unnamed files (O_TMPFILE).</summary>
public sealed class NamedTempBucketFixture : IDisposable
{
    private readonly LocalBucketFixture _inner = new();

    public NamedTempBucketFixture() => _inner.Store.UseUnnamedFiles = false;

    public string Root => _inner.Root;

    public LocalObjectStore Store => _inner.Store;

    public void Dispose() => _inner.Dispose();
}
