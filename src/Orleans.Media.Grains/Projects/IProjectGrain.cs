using Orleans.Media.Runtime;

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
}
