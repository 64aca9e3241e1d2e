using Orleans.Media.Processing.Actions;

namespace Orleans.Media.Processing.Tests;

/// <summary>Bad parameters are refused when the action is prepared (batch creation), naming the parameter.</summary>
public sealed class ParameterValidationTests : IDisposable
{
    private readonly ProcessingHost _host = new();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData("image/convert", new[] { "format=bmp" }, "format")]
    [InlineData("image/convert", new string[0], "format")]
    [InlineData("image/convert", new[] { "format=png", "quality=101" }, "quality")]
    [InlineData("image/resize", new[] { "m=stretch", "w=10" }, "m")]
    [InlineData("image/resize", new[] { "w=0" }, "w")]
    [InlineData("image/resize", new[] { "format=png" }, "w")]
    [InlineData("image/resize", new[] { "m=fill", "w=10" }, "h")]
    [InlineData("image/resize", new[] { "p=50", "w=10" }, "p")]
    [InlineData("image/resize", new[] { "w=10", "color=red" }, "color")]
    [InlineData("image/resize", new[] { "w=10", "widht=5" }, "widht")]
    [InlineData("image/convert", new[] { "format=png", "quality=50" }, "quality")] // quality of jpg and webp only
    [InlineData("image/crop", new[] { "w=10", "h=10", "format=gif", "q=50" }, "quality")]
    [InlineData("image/resize", new[] { "w=10", "color=ff0000" }, "color")] // the colour of m=pad only
    [InlineData("image/crop", new[] { "w=10" }, "h")]
    [InlineData("image/crop", new[] { "w=10", "h=10", "x=-1" }, "x")]
    [InlineData("video/convert", new[] { "format=avi" }, "format")]
    [InlineData("video/convert", new[] { "format=webm", "vcodec=h264" }, "vcodec")]
    [InlineData("video/convert", new[] { "format=mp4", "acodec=opus" }, "acodec")]
    [InlineData("video/convert", new[] { "format=mp4", "s=641x480" }, "w")]
    [InlineData("video/convert", new[] { "format=mp4", "s=big" }, "s")]
    [InlineData("video/convert", new[] { "format=mp4", "fps=0" }, "fps")]
    [InlineData("video/convert", new[] { "format=mp4", "vb=12" }, "vb")]
    [InlineData("video/convert", new[] { "format=mp4", "vcodec=copy", "fps=10" }, "vcodec")]
    [InlineData("video/convert", new[] { "format=mp4", "ar=12345" }, "ar")]
    [InlineData("video/convert", new[] { "format=mp4", "format=mkv" }, "format")]
    [InlineData("video/convert", new[] { "format" }, "format")]
    [InlineData("audio/convert", new[] { "format=wma" }, "format")]
    [InlineData("audio/convert", new[] { "format=opus", "ar=44100" }, "ar")]
    [InlineData("audio/convert", new[] { "format=flac", "ab=128000" }, "ab")]
    [InlineData("audio/convert", new[] { "format=mp3", "ar=96000" }, "ar")] // libmp3lame: up to 48 kHz
    [InlineData("audio/convert", new[] { "format=mp3", "ac=6" }, "ac")] // libmp3lame: mono or stereo
    [InlineData("audio/convert", new[] { "format=opus", "ac=3" }, "ac")] // libopus: no 3 or 4 channel layout
    [InlineData("video/convert", new[] { "format=mkv", "acodec=mp3", "ar=96000" }, "ar")]
    [InlineData("video/convert", new[] { "format=mp4", "acodec=mp3", "ac=4" }, "ac")]
    [InlineData("video/convert", new[] { "format=webm", "ar=44100" }, "ar")] // opus: 8, 12, 16, 24 or 48 kHz
    [InlineData("video/convert", new[] { "format=mkv", "acodec=opus", "ac=4" }, "ac")]
    [InlineData("video/convert", new[] { "format=flv", "acodec=mp3", "ar=32000" }, "ar")] // FLV's mp3: 11025, 22050, 44100 (48000)
    [InlineData("video/snapshots", new string[0], "t")]
    [InlineData("video/snapshots", new[] { "t=1000,abc" }, "t")]
    [InlineData("video/snapshots", new[] { "t=1000", "interval=500" }, "t")]
    [InlineData("video/snapshots", new[] { "t=1000", "num=3" }, "num")]
    [InlineData("video/snapshots", new[] { "t=1000", "format=gif" }, "format")]
    [InlineData("video/snapshots", new[] { "t=1000", "output=oss://b/{barename}.{autoext}" }, "output")]
    [InlineData("doc/convert", new[] { "format=exe" }, "format")]
    [InlineData("doc/convert", new[] { "target=png", "pages=2-3" }, "pages")]
    [InlineData("doc/convert", new[] { "target=pdf", "pages=3-" }, "pages")]
    [InlineData("doc/convert", new[] { "target=pdf", "output=oss://b/{name}.{autoext}" }, "output")]
    [InlineData("doc/convert", new[] { "target=pdf", "output=/not/a/uri" }, "output")]
    [InlineData("image/convert", new[] { "format=png", "output=oss://{bucket}/out/../{barename}.{autoext}" }, "output")]
    [InlineData("video/convert", new[] { "format=mp4", "output=oss://{bucket}/out/./{barename}.{autoext}" }, "output")]
    public void A_bad_parameter_is_refused_naming_it(string action, string[] parameters, string parameter)
    {
        var e = Assert.Throws<InvalidActionParameterException>(() => _host.Actions.Prepare(action, parameters));

        Assert.Equal(parameter, e.Parameter);
        Assert.Contains($"'{parameter}'", e.Message);
        Assert.StartsWith(action, e.Message);
    }

    [Fact]
    public void An_unknown_action_is_refused()
    {
        var e = Assert.Throws<InvalidActionParameterException>(() => _host.Actions.Prepare("video/explode", []));

        Assert.Equal("Name", e.Parameter);
        Assert.Contains("video/convert", e.Message);
    }

    [Fact]
    public void Every_documented_action_is_registered()
    {
        Assert.Equal(
            ["audio/convert", "doc/convert", "image/convert", "image/crop", "image/resize", "video/convert", "video/snapshots"],
            _host.Actions.Names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("a/b/c.mp4", "oss://{bucket}/{dirname}/{barename}_x.{autoext}", "a/b/c_x.jpg")]
    [InlineData("c.mp4", "oss://{bucket}/{dirname}/{barename}_x.{autoext}", "c_x.jpg")]
    [InlineData("d/archive.tar.gz", "oss://out/{dirname}/{barename}/{index}.{autoext}", "d/archive.tar/3.jpg")]
    [InlineData("noext", "oss://out/{barename}.{autoext}", "noext.jpg")]
    public void Output_patterns_resolve_the_vendor_variables(string sourceKey, string pattern, string expectedKey)
    {
        var p = ActionParameters.Parse("x", ["output=" + pattern]);
        var output = OutputPattern.From(p, multipleOutputs: false);

        var target = output.Resolve(new Storage.ObjectUri("oss", "media", sourceKey), "jpg", 3);

        Assert.Equal(expectedKey, target.Key);
        Assert.Equal(pattern.StartsWith("oss://out", StringComparison.Ordinal) ? "out" : "media", target.Bucket);
    }

    [Theory]
    [InlineData("x/...png", "oss://{bucket}/out/{barename}/converted.{autoext}")] // barename ".."
    [InlineData("../../etc/a.png", "oss://{bucket}/out/{dirname}/{barename}.{autoext}")]
    [InlineData("a/./b.png", "oss://{bucket}/out/{dirname}/{barename}.{autoext}")]
    public void An_output_key_with_a_dot_segment_from_the_source_name_is_refused(string sourceKey, string pattern)
    {
        var output = OutputPattern.From(ActionParameters.Parse("x", ["output=" + pattern]), multipleOutputs: false);

        var e = Assert.Throws<Storage.InvalidObjectKeyException>(() => output.Resolve(new Storage.ObjectUri("oss", "media", sourceKey), "png", 1));

        Assert.Contains("segment", e.Reason);
    }
}
