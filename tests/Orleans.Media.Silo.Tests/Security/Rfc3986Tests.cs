using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Tests.Security;

public sealed class Rfc3986Tests
{
    [Theory]
    [InlineData(" ", "%20")] // never '+'
    [InlineData("*", "%2A")]
    [InlineData("~", "~")]
    [InlineData("-_.", "-_.")]
    [InlineData("a+b", "a%2Bb")]
    [InlineData("/", "%2F")]
    [InlineData("!'()", "%21%27%28%29")]
    [InlineData("é", "%C3%A9")]
    [InlineData("中", "%E4%B8%AD")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("", "")]
    public void Encodes_like_the_vendor_sdks(string value, string expected) => Assert.Equal(expected, Rfc3986.Encode(value));
}
