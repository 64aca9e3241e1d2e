using System.Text.Json;

namespace Orleans.Media.Runtime;

/// <summary>What a job handler knows about the attempt it runs.</summary>
public sealed class JobContext
{
    private readonly Func<string, CancellationToken, Task<bool>> _saveCheckpoint;

    internal JobContext(
        Guid jobId, GrainId grainId, string kind, string partition, JsonElement? payload, int attempt, int maxAttempts,
        string? checkpoint, Func<string, CancellationToken, Task<bool>> saveCheckpoint, CancellationToken cancellationToken)
    {
        JobId = jobId;
        GrainId = grainId;
        Kind = kind;
        Partition = partition;
        Payload = payload;
        Attempt = attempt;
        MaxAttempts = maxAttempts;
        Checkpoint = checkpoint;
        _saveCheckpoint = saveCheckpoint;
        CancellationToken = cancellationToken;
    }

    public Guid JobId { get; }

    /// <summary>The grain that scheduled the job and receives its outcome.</summary>
    public GrainId GrainId { get; }

    public string Kind { get; }

    public string Partition { get; }

    public JsonElement? Payload { get; }

    /// <summary>1 for the first attempt.</summary>
    public int Attempt { get; }

    public int MaxAttempts { get; }

    /// <summary>The last checkpoint saved by any attempt (null if none).</summary>
    public string? Checkpoint { get; private set; }

    /// <summary>Fires when the lease is lost (silo fenced or killed elsewhere), the job is cancelled, or the silo stops.</summary>
    public CancellationToken CancellationToken { get; }

    public T GetPayload<T>() =>
        Payload is { } p ? p.Deserialize<T>(RuntimeJson.Options)! : throw new InvalidOperationException($"Job {JobId} has no payload.");

    /// <summary>Saves progress; succeeds only while this attempt holds the lease, else throws
    /// <see cref="JobLeaseLostException"/>. Also renews the lease.</summary>
    public async Task SaveCheckpointAsync(string checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (!await _saveCheckpoint(checkpoint, CancellationToken).ConfigureAwait(false))
        {
            throw new JobLeaseLostException(JobId);
        }

        Checkpoint = checkpoint;
    }
}
