using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>Writers of one file write one at a time; writers of other files do not wait for them.</summary>
public sealed class FileWriteTurnsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "om-turns-" + Guid.NewGuid().ToString("N")[..10]);

    public FileWriteTurnsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_write_waits_for_another_writer_of_its_file_and_not_for_writers_of_other_files()
    {
        var turns = new FileWriteTurns();
        using var first = turns.Join("one");
        using var second = turns.Join("one");
        using var elsewhere = turns.Join("two");
        Assert.Equal(2, turns.Count);

        var held = await first.EnterAsync(CancellationToken.None);
        var waiting = second.EnterAsync(CancellationToken.None);
        var free = elsewhere.EnterAsync(CancellationToken.None);
        Assert.True(free.IsCompleted, "a writer of another file waited");
        Assert.False(waiting.IsCompleted, "a writer of the same file entered while another was in its turn");

        // A waiter that gives up leaves the turn to the others.
        using var cancelled = new CancellationTokenSource();
        var givingUp = second.EnterAsync(cancelled.Token);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await givingUp);

        held.Dispose();
        (await waiting.AsTask().WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        (await free).Dispose();
        (await first.EnterAsync(CancellationToken.None)).Dispose();
    }

    [Fact]
    public async Task Writes_land_at_their_offsets()
    {
        var turns = new FileWriteTurns();
        var path = Path.Combine(_dir, "file");
        using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            using var writer = turns.Join(path);
            await writer.WriteAsync(file, [new byte[] { 1, 2 }, new byte[] { 3 }], 4, CancellationToken.None);
            await writer.WriteAsync(file, [new byte[] { 9 }], 0, CancellationToken.None);
        }

        Assert.Equal([9, 0, 0, 0, 1, 2, 3], File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_file_is_forgotten_when_its_last_writer_leaves()
    {
        var turns = new FileWriteTurns();
        var a = turns.Join("f");
        var b = turns.Join("f");
        a.Dispose();
        a.Dispose();
        Assert.Equal(1, turns.Count);
        b.Dispose();
        Assert.Equal(0, turns.Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await b.EnterAsync(CancellationToken.None));
    }
}
