using Orleans.Concurrency;
using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>One file-decompression task, keyed by its TaskId (<c>FileUncompression-&lt;uuid&gt;</c>).</summary>
public interface IFileUncompressionTaskGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the task (state, index, reminder) and returns; the extraction starts as soon as the project grants
    /// a slot. <paramref name="limits"/> are the project's, as its admission returned them to the caller (which needs
    /// them first for the size check): the project is read once per creation.
    /// </summary>
    Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId, ProjectLimits limits);

    /// <summary>The stored state (<see cref="FileUncompressionTaskState.Exists"/> false for an unknown or purged task).</summary>
    [ReadOnly]
    Task<FileUncompressionTaskState> Get();

    /// <summary>Moves the task's work on: asks for a slot when queued, resumes an extraction this activation does not run, flushes the outbox.</summary>
    [OneWay]
    Task Wake();

    /// <summary>Deletes the record once its retention has passed; does nothing before.</summary>
    Task Purge();
}
