using Orleans.Media.Persistence.Queries;
using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Persistence;

namespace Orleans.Media.Grains.Tasks;

/// <summary>The listings grains themselves need from the task index: the queue of waiting tasks and expired records.</summary>
public sealed class TaskListing(IGrainStateQuery query)
{
    /// <summary>The project's oldest tasks still waiting for an engine slot (the durable queue, ordered by creation).</summary>
    public async Task<IReadOnlyList<string>> WaitingAsync(string project, int limit)
    {
        var page = await query.QueryAsync<FileUncompressionTaskState>(new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
        {
            Partition = project,
            Filters =
            [
                StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
                StateFilter.Eq(nameof(FileUncompressionTaskState.Phase), nameof(TaskPhase.Queued)),
            ],
            OrderBy = nameof(FileUncompressionTaskState.StartTimeMs),
            OrderByKind = StateValueKind.Number,
            Limit = Math.Clamp(limit, 1, 1000),
        });
        return page.Items.Select(i => i.Key).ToList();
    }

    /// <summary>Ended tasks of the project whose retention has passed.</summary>
    public async Task<IReadOnlyList<string>> ExpiredAsync(string project, DateTimeOffset now, int limit)
    {
        var page = await query.QueryAsync<FileUncompressionTaskState>(new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
        {
            Partition = project,
            Filters =
            [
                StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
                StateFilter.Lte(nameof(FileUncompressionTaskState.ExpiresAtMs), now.ToUnixTimeMilliseconds()),
            ],
            Limit = Math.Clamp(limit, 1, 1000),
        });
        return page.Items.Select(i => i.Key).ToList();
    }

    /// <summary>Tasks of the project that have not ended (DeleteProject refuses while there are any).</summary>
    public Task<long> UnfinishedAsync(string project) =>
        query.CountAsync(new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
        {
            Partition = project,
            Filters =
            [
                StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
                StateFilter.Eq(nameof(FileUncompressionTaskState.Status), TaskStatus.Running),
            ],
        });
}
