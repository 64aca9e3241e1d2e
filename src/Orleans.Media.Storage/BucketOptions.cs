namespace Orleans.Media.Storage;

/// <summary>One configured bucket (<c>OrleansMedia:Storage:Buckets:&lt;name&gt;</c>).</summary>
public sealed class BucketOptions
{
    public BucketKind Kind { get; set; } = BucketKind.Local;

    /// <summary>Local buckets: the folder that is the bucket (relative paths resolve against the working directory).</summary>
    public string? Path { get; set; }

    /// <summary>S3 buckets: the endpoint, e.g. <c>http://minio:9000</c>.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>S3 buckets: the signing region.</summary>
    public string Region { get; set; } = "us-east-1";

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>S3 buckets: <c>http://host/bucket/key</c> rather than <c>http://bucket.host/key</c>.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>
    /// S3 buckets: the endpoint clients reach, when it differs from <see cref="ServiceUrl"/> (presigned URLs are
    /// signed for this host, since SigV4 covers the Host header).
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// S3 buckets: an STS endpoint that answers AssumeRole (MinIO's, usually the <see cref="ServiceUrl"/>). When set,
    /// clients uploading directly get temporary credentials limited to one object key; when not, presigned URLs are
    /// their credential.
    /// </summary>
    public string? StsEndpoint { get; set; }

    /// <summary>S3 buckets with an STS endpoint: the role to assume (MinIO ignores it, AWS requires a real ARN).</summary>
    public string StsRoleArn { get; set; } = "arn:aws:iam::000000000000:role/orleans-media-upload";
}
