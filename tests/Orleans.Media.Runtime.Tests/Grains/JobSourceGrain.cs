namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>Schedules jobs and takes no outcome turn (its jobs are finished by a plain update); sets partition limits.</summary>
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

    public Task SetPartitionLimit(string partition, int? maxRunning)
    {
        SetJobPartitionLimit(partition, maxRunning);
        return Task.CompletedTask;
    }

    public Task SetPartitionLimitThenThrow(string partition, int? maxRunning)
    {
        SetJobPartitionLimit(partition, maxRunning);
        throw new InvalidOperationException("limit refused");
    }

    public async Task SetPartitionLimitInFailingNestedCall(string otherKey, string partition, int? maxRunning)
    {
        try
        {
            await GrainFactory.GetGrain<IJobSourceGrain>(otherKey).SetPartitionLimitThenThrow(partition, maxRunning);
        }
        catch (InvalidOperationException)
        {
            // The callee's limit change must be gone even though this turn commits.
        }
    }
}
