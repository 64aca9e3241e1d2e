using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>One file-decompression task, keyed by its TaskId (<c>FileUncompression-&lt;uuid&gt;</c>).</summary>
public interface IFileUncompressionTaskGrain : IGrainWithStringKey
{
    /// <summary>Records the task and schedules its extraction, in one transaction. <paramref name="limits"/> are the
    /// project's, as its admission (<see cref="Projects.IProjectGrain.Admit"/>) returned them to the caller, which needs
    /// them first for the size check: the project is read once per creation, not again inside this turn. The TaskId is
    /// new (a fresh uuid), so the turn skips reading its row (<see cref="CreatesGrainAttribute"/>).</summary>
    [CreatesGrain]
    Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId, Projects.ProjectLimits limits);

    /// <summary>The stored state (<see cref="FileUncompressionTaskState.Exists"/> false for an unknown or purged task).</summary>
    [ReadOnly]
    Task<FileUncompressionTaskState> Get();

    /// <summary>Called by the extraction job while it runs.</summary>
    Task ReportProgress(int progress);

    /// <summary>Deletes the record once its retention has passed; does nothing before.</summary>
    Task Purge();
}
