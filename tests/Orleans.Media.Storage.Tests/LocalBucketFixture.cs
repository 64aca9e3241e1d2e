using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>A fresh temp folder as a bucket for one test class.</summary>
public sealed class LocalBucketFixture : IDisposable
{
    public LocalBucketFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "om-st-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Store = new LocalObjectStore("local", Root, new LocalUrlSigner("a-test-signing-key-0123456789"), new Uri("http://127.0.0.1:9/"), NullLogger.Instance);
    }

    public string Root { get; }

    public LocalObjectStore Store { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}
