namespace Orleans.Media.Runtime.Tests.Grains;

public interface IJobSourceGrain : IGrainWithStringKey
{
    /// <summary>Schedules <paramref name="count"/> jobs in one turn.</summary>
    Task<IReadOnlyList<Guid>> ScheduleMany(string kind, string payload, string partition, int count);
}
