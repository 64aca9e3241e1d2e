namespace Orleans.Media.Storage;

/// <summary>Which backend holds a bucket.</summary>
public enum BucketKind
{
    /// <summary>A folder on this machine: the bucket is the folder, a key is a relative path under it.</summary>
    Local,

    /// <summary>A bucket on an S3-compatible endpoint (MinIO, AWS S3, Alibaba OSS, Huawei OBS, s3rver).</summary>
    S3,
}
