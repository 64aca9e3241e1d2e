using Orleans.Concurrency;

namespace Orleans.Media.Grains.Projects;

/// <summary>One IMM project, keyed by its name: owns the project's settings and limits and admits its work.</summary>
public interface IProjectGrain : IGrainWithStringKey
{
    Task<ProjectState> Create(ProjectSettings settings);

    /// <summary>The project as last stored; <c>ResourceNotFound</c> when it does not exist. Answered between the
    /// project's other turns (a slot write in flight does not hold up a read).</summary>
    [AlwaysInterleave]
    Task<ProjectState> Get();

    Task<ProjectState> Update(ProjectSettings settings);

    /// <summary>Deletes; <c>StatusConflict</c> while <paramref name="unfinishedTasks"/> &gt; 0.</summary>
    Task Delete(long unfinishedTasks);

    /// <summary>Admission of a new task: the limits it runs under (as last stored) and whether a slot looks free;
    /// <c>ResourceNotFound</c> when the project is gone. Interleaved like <see cref="Get"/>: every creation asks, so
    /// it must not queue behind slot writes.</summary>
    [AlwaysInterleave]
    Task<Admission> Admit();

    /// <summary>
    /// Whether <see cref="AcquireSlot"/> would grant <paramref name="taskId"/> a slot now (it holds one, or one is free
    /// counting the tasks already told yes), without queueing behind the project's writes. Only a hint: a task told no waits in the queue, where the
    /// project wakes it when a slot frees; a task told yes may still be refused by <see cref="AcquireSlot"/>.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> MayAcquireSlot(string taskId);

    /// <summary>
    /// One of the project's <see cref="ProjectLimits.EngineConcurrency"/> slots for <paramref name="taskId"/>: true when
    /// granted (or renewed: a task calls again while it works, and after it resumes elsewhere), false when all are taken.
    /// </summary>
    Task<bool> AcquireSlot(string taskId);

    /// <summary>Frees the task's slot and wakes the project's oldest waiting tasks.</summary>
    Task ReleaseSlot(string taskId);
}
