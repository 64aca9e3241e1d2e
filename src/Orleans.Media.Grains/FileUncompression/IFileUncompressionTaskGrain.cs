using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>One file-decompression task, keyed by its TaskId (<c>FileUncompression-&lt;uuid&gt;</c>).</summary>
public interface IFileUncompressionTaskGrain : IGrainWithStringKey
{
    /// <summary>Admits the task through its project and schedules the extraction, in one transaction.</summary>
    Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId);

    /// <summary>The stored state (<see cref="FileUncompressionTaskState.Exists"/> false for an unknown or purged task).</summary>
    [ReadOnly]
    Task<FileUncompressionTaskState> Get();

    /// <summary>Called by the extraction job while it runs.</summary>
    Task ReportProgress(int progress);

    /// <summary>Deletes the record once its retention has passed; does nothing before.</summary>
    Task Purge();
}
