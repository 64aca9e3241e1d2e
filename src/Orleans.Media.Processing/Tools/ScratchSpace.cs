using System.Globalization;
using Microsoft.Extensions.Options;

namespace Orleans.Media.Processing.Tools;

/// <summary>Clean folders for runs under <see cref="ProcessingOptions.ScratchRoot"/>.</summary>
public sealed class ScratchSpace(IOptions<ProcessingOptions> options)
{
    private long _counter;

    public string Root => options.Value.ScratchRoot;

    /// <summary>A new, empty folder that disposing removes with everything in it.</summary>
    public ScratchFolder Create(string purpose)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{purpose}-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}");
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        return new ScratchFolder(path);
    }
}

/// <summary>One run's folder; removed on dispose (after the run's processes are gone).</summary>
public sealed class ScratchFolder(string path) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>A subfolder, created.</summary>
    public string Sub(string name)
    {
        var sub = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(sub);
        return sub;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
