namespace Orleans.Media.Storage.Tests;

/// <summary>
/// The test s3rver (deploy/test-env.sh). Read here rather than through Orleans.Media.Testing so the storage tests
/// build without the grain runtime. A missing server is a failure, never a silent skip.
/// </summary>
internal static class S3TestServer
{
    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";

    public static Uri S3Endpoint =>
        Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_S3") is { Length: > 0 } v
            ? new Uri(v)
            : throw new InvalidOperationException(
                "ORLEANSMEDIA_TEST_S3 is not set. Run the tests with deploy/test.sh, or first: source /work/main/.test-env/env");
}
