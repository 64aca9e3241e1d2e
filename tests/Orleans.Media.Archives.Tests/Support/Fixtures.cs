namespace Orleans.Media.Archives.Tests.Support;

internal static class Fixtures
{
    public static string Rar(string name) => Path.Combine(Orleans.Media.Testing.TestEnvironment.Fixtures, "rar", name);
}
