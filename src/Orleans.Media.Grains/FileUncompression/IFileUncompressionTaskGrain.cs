using Orleans.Concurrency;
using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>One file-decompression task, keyed by its TaskId (<c>FileUncompression-&lt;uuid&gt;</c>).</summary>
public interface IFileUncompressionTaskGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the task (state and queue entry) and returns; the extraction starts as soon as the project grants
    /// a slot. <paramref name="admission"/> is the project's, as returned to the caller (which needs the limits first
    /// for the size check): the project is read once per creation. Admitted with a slot free, the task asks for it at
    /// once; otherwise it waits for the project to wake it.
    /// </summary>
    Task<FileUncompressionTaskState> Create(FileUncompressionRequest request, string eventId, Admission admission);

    /// <summary>The stored state (<see cref="FileUncompressionTaskState.Exists"/> false for an unknown or purged task).</summary>
    [ReadOnly]
    Task<FileUncompressionTaskState> Get();

    /// <summary>Moves the task's work on: asks for a slot when queued, resumes an extraction this activation does not run, flushes the outbox.</summary>
    [OneWay]
    Task Wake();

    /// <summary>Deletes the record once its retention has passed; does nothing before.</summary>
    Task Purge();
}
