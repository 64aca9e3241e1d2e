namespace Orleans.Media.Storage;

/// <summary>The bucket registry: every bucket the silo is configured to reach, by name.</summary>
public interface IObjectStorage
{
    /// <summary>The backend that holds <paramref name="bucket"/>; throws <see cref="BucketNotFoundException"/> when none is configured.</summary>
    IObjectStore GetBucket(string bucket);

    bool HasBucket(string bucket);

    IReadOnlyCollection<string> Buckets { get; }
}
