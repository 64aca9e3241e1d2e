using Orleans.Concurrency;

namespace Orleans.Media.Grains.Projects;

/// <summary>One IMM project, keyed by its name: owns the project's settings and limits and admits its work.</summary>
public interface IProjectGrain : IGrainWithStringKey
{
    Task<ProjectState> Create(ProjectSettings settings);

    /// <summary>The project; <c>ResourceNotFound</c> when it does not exist.</summary>
    [ReadOnly]
    Task<ProjectState> Get();

    Task<ProjectState> Update(ProjectSettings settings);

    /// <summary>Deletes; <c>StatusConflict</c> while <paramref name="unfinishedTasks"/> &gt; 0.</summary>
    Task Delete(long unfinishedTasks);

    /// <summary>Admission of a new task: the limits it runs under; <c>ResourceNotFound</c> when the project is gone.</summary>
    [ReadOnly]
    Task<ProjectLimits> Admit();

    /// <summary>
    /// One of the project's <see cref="ProjectLimits.EngineConcurrency"/> slots for <paramref name="taskId"/>: true when
    /// granted (or renewed: a task calls again while it works, and after it resumes elsewhere), false when all are taken.
    /// </summary>
    Task<bool> AcquireSlot(string taskId);

    /// <summary>Frees the task's slot and wakes the project's oldest waiting tasks.</summary>
    Task ReleaseSlot(string taskId);
}
