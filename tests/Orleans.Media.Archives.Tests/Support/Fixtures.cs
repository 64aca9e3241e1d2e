namespace Orleans.Media.Archives.Tests.Support;

internal static class Fixtures
{
    public static string Rar(string name) => Path.Combine(Orleans.Media.Testing.TestEnvironment.Fixtures, "rar", name);

    /// <summary>SharpCompress's encrypted RAR test archives (password <c>test</c>), each holding the same three files.</summary>
    public static string RarEncrypted(string name) => Path.Combine(Orleans.Media.Testing.TestEnvironment.Fixtures, "rar-encrypted", name);
}
