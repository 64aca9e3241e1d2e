using Orleans.Media.Grains.Tasks;
using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.Projects;

[GrainType(GrainTypeName)]
public sealed class ProjectGrain(TimeProvider time) : Grain<ProjectState>, IProjectGrain, IRemindable
{
    public const string GrainTypeName = "project";

    /// <summary>The reminder that purges the project's expired task records.</summary>
    public const string RetentionReminder = "task-retention";

    public Task<ProjectState> Create(ProjectSettings settings)
    {
        var (state, ev) = ProjectTransitions.Create(State, GrainId.Key, settings, time.GetUtcNow());
        Commit(state, ev);
        RegisterRetentionReminder();
        SetJobPartitionLimit(ProjectJobPartitions.Tasks(State.Name), State.Limits.EngineConcurrency);
        return Task.FromResult(State);
    }

    public Task<ProjectState> Get()
    {
        ProjectTransitions.RequireExists(State);
        return Task.FromResult(State);
    }

    public Task<ProjectState> Update(ProjectSettings settings)
    {
        var (state, ev) = ProjectTransitions.Update(State, settings, time.GetUtcNow());
        Commit(state, ev);
        RegisterRetentionReminder();
        SetJobPartitionLimit(ProjectJobPartitions.Tasks(State.Name), State.Limits.EngineConcurrency);
        return Task.FromResult(State);
    }

    public Task Delete(long unfinishedTasks)
    {
        var (state, ev) = ProjectTransitions.Delete(State, unfinishedTasks, time.GetUtcNow());
        Commit(state, ev);
        UnregisterReminder(RetentionReminder);
        SetJobPartitionLimit(ProjectJobPartitions.Tasks(GrainId.Key), null);
        return Task.CompletedTask;
    }

    public Task<ProjectLimits> Admit() => Task.FromResult(ProjectTransitions.Admit(State));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RetentionReminder && State.Exists)
        {
            // The purge reads and deletes many task records: work outside the turn, as a job (idempotent, so a
            // tick that fires again before the previous purge ended costs a query, nothing more).
            ScheduleJob(new JobRequest(TaskRetentionJob.Kind, new TaskRetentionJob(State.Name))
            {
                Partition = ProjectJobPartitions.Housekeeping(State.Name),
                MaxAttempts = 3,
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>Checks for expired tasks a few dozen times per retention period: between 1 s and 1 h apart.</summary>
    public static TimeSpan RetentionCheckPeriod(ProjectLimits limits) =>
        TimeSpan.FromTicks(Math.Clamp(limits.TaskRetention.Ticks / 24, TimeSpan.TicksPerSecond, TimeSpan.TicksPerHour));

    private void RegisterRetentionReminder()
    {
        var period = RetentionCheckPeriod(State.Limits);
        RegisterOrUpdateReminder(RetentionReminder, period, period);
    }

    private void Commit(ProjectState state, ProjectEvent ev)
    {
        State = state;
        PublishEvent(TaskStreams.Project(ev.ProjectName), ev.GetType().Name, ev);
    }
}
