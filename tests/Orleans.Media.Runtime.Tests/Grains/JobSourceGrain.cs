namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>Schedules jobs and takes no outcome turn (its jobs are finished by a plain update).</summary>
[GrainType("job-source")]
public sealed class JobSourceGrain : Grain, IJobSourceGrain
{
    public Task<IReadOnlyList<Guid>> ScheduleMany(string kind, string payload, string partition, int count)
    {
        var ids = new List<Guid>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(ScheduleJob(new JobRequest(kind, payload) { Partition = partition }));
        }

        return Task.FromResult<IReadOnlyList<Guid>>(ids);
    }
}
