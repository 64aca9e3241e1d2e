namespace Orleans.Media.Grains.Projects;

/// <summary>
/// The project state machine: every change of <see cref="ProjectState"/> goes through one of these, which check
/// the precondition (refusing with the vendor's error) and return the new state with the event it raises.
/// </summary>
public static class ProjectTransitions
{
    public static (ProjectState State, ProjectEvent Event) Create(ProjectState state, string name, ProjectSettings settings, DateTimeOffset now)
    {
        if (state.Exists)
        {
            throw ServiceException.AlreadyExists($"The project '{name}' already exists.");
        }

        var created = Apply(new ProjectState { Exists = true, Name = name, CreateTime = now }, settings, now);
        return (created, new ProjectCreated(name, now));
    }

    public static (ProjectState State, ProjectEvent Event) Update(ProjectState state, ProjectSettings settings, DateTimeOffset now)
    {
        RequireExists(state);
        return (Apply(state, settings, now), new ProjectUpdated(state.Name, now));
    }

    public static (ProjectState State, ProjectEvent Event) Delete(ProjectState state, DateTimeOffset now)
    {
        RequireExists(state);
        if (state.ActiveTasks > 0)
        {
            throw ServiceException.Conflict(
                $"The project '{state.Name}' still has {state.ActiveTasks} unfinished task(s); delete it when they have ended.");
        }

        return (new ProjectState(), new ProjectDeleted(state.Name, now));
    }

    /// <summary>A task asks to be admitted; refused when the project is gone or holds too many unfinished tasks.</summary>
    public static ProjectState AdmitTask(ProjectState state)
    {
        RequireExists(state);
        if (state.ActiveTasks >= state.Limits.MaxActiveTasks)
        {
            throw ServiceException.LimitExceeded(
                $"The project '{state.Name}' already has {state.ActiveTasks} unfinished tasks, its limit.");
        }

        return state with { ActiveTasks = state.ActiveTasks + 1, TotalTasks = state.TotalTasks + 1 };
    }

    /// <summary>An admitted task ended. Idempotence is the caller's (the task reports its end once).</summary>
    public static ProjectState TaskEnded(ProjectState state) =>
        state with { ActiveTasks = Math.Max(0, state.ActiveTasks - 1) };

    public static void RequireExists(ProjectState state)
    {
        if (!state.Exists)
        {
            throw ServiceException.NotFound("The specified project does not exist.");
        }
    }

    private static ProjectState Apply(ProjectState state, ProjectSettings s, DateTimeOffset now) => state with
    {
        Description = s.Description ?? state.Description,
        ServiceRole = s.ServiceRole ?? state.ServiceRole,
        TemplateId = s.TemplateId ?? state.TemplateId,
        DatasetQuotas = s.DatasetQuotas ?? state.DatasetQuotas,
        Tags = s.Tags ?? state.Tags,
        Limits = s.Limits ?? state.Limits,
        UpdateTime = now,
    };
}
