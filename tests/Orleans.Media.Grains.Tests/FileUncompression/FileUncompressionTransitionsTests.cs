using Orleans.Media.Grains.FileUncompression;
using Orleans.Media.Grains.Projects;

namespace Orleans.Media.Grains.Tests.FileUncompression;

/// <summary>The task's state machine: Queued → Running (again after a failed attempt) → Ended, its events and their sequence numbers.</summary>
public sealed class FileUncompressionTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly FileUncompressionRequest Request = new()
    {
        ProjectName = "p",
        SourceURI = "oss://b/x/a.zip",
        TargetURI = "oss://b/x/a/",
    };

    private static readonly ProjectLimits Limits = ProjectLimits.Default with { TaskRetention = TimeSpan.FromDays(7) };

    private static FileUncompressionTaskState Created(FileUncompressionRequest? request = null) =>
        FileUncompressionTransitions.Create(new FileUncompressionTaskState(), "FileUncompression-1", "e", request ?? Request, null, Limits, Now).State;

    private static FileUncompressionTaskState Running(FileUncompressionRequest? request = null) =>
        FileUncompressionTransitions.Start(Created(request), "silo-a", Now);

    [Theory]
    [InlineData("oss://b/x/a.zip", "oss://b/x/a/")]
    [InlineData("oss://b/a.tar.gz", "oss://b/a.tar/")]
    [InlineData("oss://b/noext", "oss://b/noext_files/")]
    public void Default_target_is_beside_the_archive(string source, string target) =>
        Assert.Equal(target, FileUncompressionRequest.DefaultTarget(source));

    [Fact]
    public void Create_queues_the_task_with_its_limits_and_raises_TaskCreated_as_event_1()
    {
        var password = new byte[] { 1, 2, 3 };
        var (s, created) = FileUncompressionTransitions.Create(new FileUncompressionTaskState(), "FileUncompression-1", "e",
            Request with { Password = "secret" }, password, Limits, Now);

        Assert.True(s.Exists);
        Assert.Equal("Running", s.Status); // The vendor's status: Running while queued too.
        Assert.Equal(TaskPhase.Queued, s.Phase);
        Assert.Equal(1, s.EventSequence);
        Assert.Equal(Now, s.LastEventTime);
        Assert.Null(s.Request!.Password); // The clear password never reaches the state.
        Assert.True(s.PasswordGiven);
        Assert.Equal(password, s.EncryptedPassword);
        Assert.Equal((long)TimeSpan.FromDays(7).TotalMilliseconds, s.RetentionMs);
        Assert.False(s.IsExpired(Now.AddYears(100)));
        Assert.Equal(0, s.Attempts);
        var ev = Assert.IsType<TaskCreated>(created);
        Assert.Equal(("p", "FileUncompression-1", Now), (ev.ProjectName, ev.TaskId, ev.Time));
    }

    [Fact]
    public void Create_of_an_existing_task_is_a_conflict() =>
        Assert.Equal("StatusConflict", Assert.Throws<ServiceException>(() =>
            FileUncompressionTransitions.Create(Created(), "FileUncompression-1", "e", Request, null, Limits, Now)).Code);

    [Fact]
    public void Start_counts_the_attempt_before_any_work_and_records_the_worker()
    {
        var s = FileUncompressionTransitions.Start(Created(), "silo-a", Now);

        Assert.Equal(TaskPhase.Running, s.Phase);
        Assert.Equal(1, s.Attempts);
        Assert.Equal("silo-a", s.Worker);
        Assert.Equal(1, s.EventSequence); // Starting raises no event.
        var again = FileUncompressionTransitions.Start(FileUncompressionTransitions.Requeue(s), "silo-b", Now);
        Assert.Equal(2, again.Attempts);
        Assert.Equal("silo-b", again.Worker);
    }

    [Fact]
    public void Start_is_refused_for_an_ended_task_or_before_its_retry_is_due()
    {
        var (ended, _) = FileUncompressionTransitions.End(Running(), new FileUncompressionResult { Succeeded = true }, Now);
        Assert.False(FileUncompressionTransitions.CanStart(ended, Now));
        Assert.Throws<InvalidOperationException>(() => FileUncompressionTransitions.Start(ended, "silo-a", Now));
        Assert.False(FileUncompressionTransitions.CanStart(new FileUncompressionTaskState(), Now));

        var (waiting, _) = FileUncompressionTransitions.AttemptFailed(Running(), "store down", TimeSpan.FromSeconds(4), Now);
        Assert.False(FileUncompressionTransitions.CanStart(waiting, Now.AddSeconds(3)));
        Assert.Throws<InvalidOperationException>(() => FileUncompressionTransitions.Start(waiting, "silo-a", Now.AddSeconds(3)));
        Assert.True(FileUncompressionTransitions.CanStart(waiting, Now.AddSeconds(4)));
        Assert.Null(FileUncompressionTransitions.Start(waiting, "silo-a", Now.AddSeconds(4)).RetryAtMs);
    }

    [Fact]
    public void Checkpoint_saves_the_checkpoint_and_moves_progress_forward_only_below_100()
    {
        var s = Running();

        (s, var progressed) = FileUncompressionTransitions.Checkpoint(s, "{\"done\":1}", 40, Now.AddSeconds(1));
        Assert.Equal(40, s.Progress);
        Assert.Equal("{\"done\":1}", s.Checkpoint);
        Assert.True(s.CheckpointSaved);
        Assert.Equal(2, s.EventSequence);
        Assert.Equal(Now.AddSeconds(1), s.LastEventTime);
        Assert.Equal(40, Assert.IsType<TaskProgressed>(progressed).Progress);

        // Progress never goes back (no event), a missing checkpoint keeps the saved one.
        (s, progressed) = FileUncompressionTransitions.Checkpoint(s, null, 10, Now.AddSeconds(2));
        Assert.Null(progressed);
        Assert.Equal(40, s.Progress);
        Assert.Equal("{\"done\":1}", s.Checkpoint);
        Assert.Equal(2, s.EventSequence);
        Assert.Equal(Now.AddSeconds(1), s.LastEventTime);

        (s, progressed) = FileUncompressionTransitions.Checkpoint(s, "{\"done\":2}", 100, Now.AddSeconds(3));
        Assert.Equal(99, s.Progress); // 100 only at the end.
        Assert.Equal(99, Assert.IsType<TaskProgressed>(progressed).Progress);
        Assert.Equal(3, s.EventSequence);
    }

    [Fact]
    public void Checkpoint_of_a_task_that_is_not_running_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => FileUncompressionTransitions.Checkpoint(Created(), null, 10, Now));
        var (ended, _) = FileUncompressionTransitions.End(Running(), new FileUncompressionResult { Succeeded = true }, Now);
        Assert.Throws<InvalidOperationException>(() => FileUncompressionTransitions.Checkpoint(ended, null, 10, Now));
    }

    [Fact]
    public void A_failed_attempt_is_retried_after_its_delay_from_the_checkpoint_until_MaxAttempts_then_the_task_fails()
    {
        var s = Running();
        (s, _) = FileUncompressionTransitions.Checkpoint(s, "{\"done\":3}", 30, Now);
        for (var attempt = 1; attempt < FileUncompressionTransitions.MaxAttempts; attempt++)
        {
            var (retrying, ended) = FileUncompressionTransitions.AttemptFailed(s, "store down " + attempt, TimeSpan.FromSeconds(2), Now);
            Assert.Null(ended);
            Assert.Equal(TaskPhase.Running, retrying.Phase);
            Assert.Equal("Running", retrying.Status);
            Assert.Equal("store down " + attempt, retrying.LastError);
            Assert.Equal((Now + TimeSpan.FromSeconds(2)).ToUnixTimeMilliseconds(), retrying.RetryAtMs);
            Assert.Equal("{\"done\":3}", retrying.Checkpoint);
            Assert.Equal(attempt, retrying.Attempts);
            s = FileUncompressionTransitions.Start(retrying, "silo-a", Now.AddSeconds(2));
        }

        Assert.Equal(FileUncompressionTransitions.MaxAttempts, s.Attempts);
        var (failed, end) = FileUncompressionTransitions.AttemptFailed(s, "store down again", TimeSpan.FromSeconds(2), Now.AddSeconds(9));
        Assert.NotNull(end);
        Assert.Equal("Failed", failed.Status);
        Assert.Equal(TaskPhase.Ended, failed.Phase);
        Assert.Equal("InternalError", failed.Code);
        Assert.Contains("store down again", failed.Message, StringComparison.Ordinal);
        Assert.Equal(30, failed.Progress); // A failed task keeps the progress it reached.
        Assert.Equal("Failed", end.Status);
    }

    [Fact]
    public void End_succeeded_sets_100_the_expiry_drops_the_secret_and_the_checkpoint_and_fills_the_outbox()
    {
        var request = Request with { Notification = new Tasks.TaskNotification { Mns = new Tasks.TopicRef("topic-a") } };
        var s = Running(request) with { EncryptedPassword = [9, 9] };
        (s, _) = FileUncompressionTransitions.Checkpoint(s, "{\"done\":1}", 50, Now);

        var (ended, ev) = FileUncompressionTransitions.End(s, new FileUncompressionResult { Succeeded = true, Message = "2 entries refused" }, Now.AddSeconds(3));

        Assert.Equal("Succeeded", ended.Status);
        Assert.Equal(TaskPhase.Ended, ended.Phase);
        Assert.Equal("", ended.Code);
        Assert.Equal("2 entries refused", ended.Message);
        Assert.Equal(100, ended.Progress);
        Assert.Equal(Now.AddSeconds(3), ended.EndTime);
        Assert.Null(ended.EncryptedPassword);
        Assert.Null(ended.Checkpoint);
        Assert.Equal(["topic-a"], ended.Outbox);
        Assert.Equal(3, ended.EventSequence);
        Assert.False(ended.IsExpired(Now.AddSeconds(3).AddDays(7).AddMilliseconds(-1)));
        Assert.True(ended.IsExpired(Now.AddSeconds(3).AddDays(7)));
        Assert.Equal(("Succeeded", "", Now.AddSeconds(3)), (ev.Status, ev.Code, ev.Time));
    }

    [Fact]
    public void An_ended_task_cannot_end_again_or_progress()
    {
        var (s, ended) = FileUncompressionTransitions.End(Running(), new FileUncompressionResult { Succeeded = false, Code = "InvalidArchive", Message = "bad" }, Now);
        Assert.Equal("Failed", s.Status);
        Assert.Equal("InvalidArchive", ended.Code);
        Assert.Equal("bad", ended.Message);
        Assert.Equal("StatusConflict", Assert.Throws<ServiceException>(() => FileUncompressionTransitions.End(s, new FileUncompressionResult { Succeeded = true }, Now)).Code);
        Assert.Throws<InvalidOperationException>(() => FileUncompressionTransitions.Checkpoint(s, null, 50, Now));
        Assert.Throws<InvalidOperationException>(() => FileUncompressionTransitions.AttemptFailed(s, "x", TimeSpan.Zero, Now));
    }

    [Fact]
    public void CatchUp_gives_what_a_stream_client_misses_never_what_it_has()
    {
        var queued = Created();
        Assert.Empty(FileUncompressionTransitions.CatchUp(new FileUncompressionTaskState(), 0));
        var fresh = FileUncompressionTransitions.CatchUp(queued, 0);
        Assert.Equal([1L], fresh.Select(c => c.Sequence));
        Assert.IsType<TaskCreated>(fresh[0].Event);
        Assert.Empty(FileUncompressionTransitions.CatchUp(queued, 1));

        var (running, _) = FileUncompressionTransitions.Checkpoint(Running(), null, 20, Now.AddSeconds(1));
        (running, _) = FileUncompressionTransitions.Checkpoint(running, null, 60, Now.AddSeconds(2));
        var fromStart = FileUncompressionTransitions.CatchUp(running, 0);
        Assert.Equal([1L, 3L], fromStart.Select(c => c.Sequence)); // Created, then the latest progress only.
        Assert.Equal(60, Assert.IsType<TaskProgressed>(fromStart[1].Event).Progress);
        Assert.Equal(Now.AddSeconds(2), fromStart[1].Event.Time);
        Assert.Equal([3L], FileUncompressionTransitions.CatchUp(running, 2).Select(c => c.Sequence));
        Assert.Empty(FileUncompressionTransitions.CatchUp(running, 3));

        var (ended, _) = FileUncompressionTransitions.End(running, new FileUncompressionResult { Succeeded = false, Code = "InvalidArchive", Message = "bad" }, Now.AddSeconds(5));
        var afterEnd = FileUncompressionTransitions.CatchUp(ended, 3);
        var end = Assert.IsType<TaskEnded>(Assert.Single(afterEnd).Event);
        Assert.Equal(4, afterEnd[0].Sequence);
        Assert.Equal(("Failed", "InvalidArchive", "bad", Now.AddSeconds(5)), (end.Status, end.Code, end.Message, end.Time));
        Assert.Empty(FileUncompressionTransitions.CatchUp(ended, 4));
    }

    [Fact]
    public void CanPurge_only_after_the_end_the_retention_and_an_empty_outbox()
    {
        var request = Request with { Notification = new Tasks.TaskNotification { Mns = new Tasks.TopicRef("topic-a") } };
        var running = Running(request);
        var (ended, _) = FileUncompressionTransitions.End(running, new FileUncompressionResult { Succeeded = true }, Now);
        var expiry = Now.AddDays(7);

        Assert.False(FileUncompressionTransitions.CanPurge(running, expiry.AddYears(1)));
        Assert.False(FileUncompressionTransitions.CanPurge(ended, expiry)); // Its notification is still in the outbox.
        var sent = FileUncompressionTransitions.OutboxSent(ended);
        Assert.Empty(sent.Outbox);
        Assert.False(FileUncompressionTransitions.CanPurge(sent, expiry.AddMilliseconds(-1)));
        Assert.True(FileUncompressionTransitions.CanPurge(sent, expiry));
        Assert.False(FileUncompressionTransitions.CanPurge(new FileUncompressionTaskState(), expiry));
    }
}
