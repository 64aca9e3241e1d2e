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

    /// <summary>Refused while work exists: <paramref name="unfinishedTasks"/> is counted by the caller from the task listing.</summary>
    public static (ProjectState State, ProjectEvent Event) Delete(ProjectState state, long unfinishedTasks, DateTimeOffset now)
    {
        RequireExists(state);
        if (unfinishedTasks > 0)
        {
            throw ServiceException.Conflict(
                $"The project '{state.Name}' still has {unfinishedTasks} unfinished task(s); delete it when they have ended.");
        }

        return (new ProjectState(), new ProjectDeleted(state.Name, now));
    }

    /// <summary>Whether a new task may start (the project exists); returns the limits the task runs under.</summary>
    public static ProjectLimits Admit(ProjectState state)
    {
        RequireExists(state);
        return state.Limits;
    }

    /// <summary>Whether a task asking now would find a slot: the live slots and the tasks already told yes leave one
    /// under EngineConcurrency, and fewer than <paramref name="maxPending"/> are told yes and not yet granted.</summary>
    public static bool SlotFree(ProjectState state, int promised, int maxPending, DateTimeOffset now) =>
        state.Exists && state.Slots.Expire(now).Count + promised < state.Limits.EngineConcurrency && promised < maxPending;

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
