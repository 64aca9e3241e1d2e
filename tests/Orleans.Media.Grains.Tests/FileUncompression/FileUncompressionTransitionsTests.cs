using Orleans.Media.Grains;
using Orleans.Media.Grains.FileUncompression;

namespace Orleans.Media.Grains.Tests.FileUncompression;

public sealed class FileUncompressionTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly FileUncompressionRequest Request = new()
    {
        ProjectName = "p",
        SourceURI = "oss://b/x/a.zip",
        TargetURI = "oss://b/x/a/",
    };

    [Theory]
    [InlineData("oss://b/x/a.zip", "oss://b/x/a/")]
    [InlineData("oss://b/a.tar.gz", "oss://b/a.tar/")]
    [InlineData("oss://b/noext", "oss://b/noext_files/")]
    public void Default_target_is_beside_the_archive(string source, string target) =>
        Assert.Equal(target, FileUncompressionRequest.DefaultTarget(source));

    [Fact]
    public void Lifecycle_running_to_succeeded()
    {
        var (s, created) = FileUncompressionTransitions.Create(new FileUncompressionTaskState(), "FileUncompression-1", "e", Request, Guid.NewGuid(), TimeSpan.FromDays(7), Now);
        Assert.Equal("Running", s.Status);
        Assert.IsType<TaskCreated>(created);
        Assert.False(s.IsExpired(Now.AddYears(100)));

        (s, var progressed) = FileUncompressionTransitions.ReportProgress(s, 40, Now);
        Assert.Equal(40, s.Progress);
        Assert.NotNull(progressed);

        // Progress never goes back, and never reaches 100 before the end.
        (s, progressed) = FileUncompressionTransitions.ReportProgress(s, 10, Now);
        Assert.Equal(40, s.Progress);
        Assert.Null(progressed);
        (s, _) = FileUncompressionTransitions.ReportProgress(s, 100, Now);
        Assert.Equal(99, s.Progress);

        (s, var ended) = FileUncompressionTransitions.End(s, new FileUncompressionResult { Succeeded = true }, Now.AddSeconds(3));
        Assert.Equal("Succeeded", s.Status);
        Assert.Equal(100, s.Progress);
        Assert.Equal(Now.AddSeconds(3), s.EndTime);
        Assert.False(s.IsExpired(Now.AddSeconds(3).AddDays(7).AddMilliseconds(-1)));
        Assert.True(s.IsExpired(Now.AddSeconds(3).AddDays(7)));
        Assert.Equal("Succeeded", ended.Status);
    }

    [Fact]
    public void An_ended_task_cannot_end_again_or_progress()
    {
        var (s, _) = FileUncompressionTransitions.Create(new FileUncompressionTaskState(), "t", "e", Request, Guid.NewGuid(), TimeSpan.FromDays(7), Now);
        (s, var ended) = FileUncompressionTransitions.End(s, new FileUncompressionResult { Succeeded = false, Code = "InvalidArchive", Message = "bad" }, Now);
        Assert.Equal("Failed", s.Status);
        Assert.Equal("InvalidArchive", ended.Code);
        Assert.Equal("StatusConflict", Assert.Throws<ServiceException>(() => FileUncompressionTransitions.End(s, new FileUncompressionResult { Succeeded = true }, Now)).Code);
        var (after, ev) = FileUncompressionTransitions.ReportProgress(s, 50, Now);
        Assert.Same(s, after);
        Assert.Null(ev);
    }
}
