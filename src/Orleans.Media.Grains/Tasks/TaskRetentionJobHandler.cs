using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Runtime;

namespace Orleans.Media.Grains.Tasks;

/// <summary>Deletes a project's task records whose retention has passed (they already read as gone before this runs).</summary>
public sealed class TaskRetentionJobHandler(IGrainStateQuery query, IGrainFactory grains, TimeProvider time) : IJobHandler
{
    public async Task<object?> ExecuteAsync(JobContext context)
    {
        var job = context.GetPayload<TaskRetentionJob>();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var purged = 0;
        string? page = null;
        do
        {
            var result = await query.QueryAsync<FileUncompressionTaskState>(
                new GrainStateQuery(FileUncompressionTaskGrain.GrainTypeName)
                {
                    Partition = job.ProjectName,
                    Filters =
                    [
                        StateFilter.Eq(nameof(FileUncompressionTaskState.Exists), true),
                        StateFilter.Lte(nameof(FileUncompressionTaskState.ExpiresAtMs), now),
                    ],
                    PageToken = page,
                    Limit = 500,
                },
                context.CancellationToken);
            foreach (var item in result.Items)
            {
                await grains.GetGrain<IFileUncompressionTaskGrain>(item.Key).Purge();
                purged++;
            }

            page = result.NextPageToken;
        }
        while (page is not null && !context.CancellationToken.IsCancellationRequested);

        return new { Purged = purged };
    }
}
