namespace Orleans.Media.Runtime.Tests.Grains;

public interface IJobSourceGrain : IGrainWithStringKey
{
    /// <summary>Schedules <paramref name="count"/> jobs in one turn.</summary>
    Task<IReadOnlyList<Guid>> ScheduleMany(string kind, string payload, string partition, int count);

    /// <summary>Sets (or with null removes) a partition's running-job limit in one turn.</summary>
    Task SetPartitionLimit(string partition, int? maxRunning);

    /// <summary>Sets a partition's limit, then throws: the change must roll back.</summary>
    Task SetPartitionLimitThenThrow(string partition, int? maxRunning);

    /// <summary>Calls <see cref="SetPartitionLimitThenThrow"/> on another grain in this turn and swallows its exception.</summary>
    Task SetPartitionLimitInFailingNestedCall(string otherKey, string partition, int? maxRunning);
}
