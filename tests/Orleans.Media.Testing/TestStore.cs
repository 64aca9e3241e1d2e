namespace Orleans.Media.Testing;

/// <summary>Which store a <see cref="TestCluster"/> runs on.</summary>
public enum TestStore
{
    Postgres,
    Sqlite,
}
