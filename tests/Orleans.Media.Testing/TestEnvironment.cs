namespace Orleans.Media.Testing;

/// <summary>
/// Where the real test servers are. <c>deploy/test.sh</c> starts them and exports these variables;
/// for a shell of your own: <c>source &lt;(deploy/test-env.sh start)</c>.
/// A missing server is a failure, never a silent skip.
/// </summary>
public static class TestEnvironment
{
    public static string PostgresConnectionString => Required("ORLEANSMEDIA_TEST_PG");

    public static Uri S3Endpoint => new(Required("ORLEANSMEDIA_TEST_S3"));

    /// <summary>s3rver's fixed credentials.</summary>
    public const string S3AccessKey = "S3RVER";
    public const string S3SecretKey = "S3RVER";

    public static string NodeModules => Required("ORLEANSMEDIA_TEST_NODE_MODULES");

    /// <summary>The repository's <c>tests/data</c> folder.</summary>
    public static string Fixtures =>
        Environment.GetEnvironmentVariable("ORLEANSMEDIA_TEST_FIXTURES") is { Length: > 0 } f ? f : FindRepoPath("tests/data");

    public static string RepoRoot => FindRepoPath(".");

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException(
                $"{name} is not set. Run the tests with deploy/test.sh, or first: source <(deploy/test-env.sh start)");

    private static string FindRepoPath(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Media.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, relative));
            }
        }

        throw new InvalidOperationException("Orleans.Media.sln not found above " + AppContext.BaseDirectory);
    }
}
