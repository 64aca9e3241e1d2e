using System.Diagnostics;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// Writers of one file write one at a time; writers of other files do not wait for them. A thread's kernel wait
/// channel (/proc) shows it is really held, so the checks never pass only because a thread was not yet scheduled.
/// </summary>
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

        using var release = new ManualResetEventSlim();
        var holding = OnThread(() => first.InTurn(release.Wait));
        await WaitForAsync(() => holding.Done.IsCompleted || KernelWait(holding.Tid).Contains("futex", StringComparison.Ordinal));

        var secondWrote = false;
        var waiting = OnThread(() => second.InTurn(() => secondWrote = true));
        await OnThread(() => elsewhere.InTurn(() => { })).Done.WaitAsync(TimeSpan.FromMinutes(1));

        // The second writer of "one" is held by the kernel (the turn's lock) while the first is in its turn.
        await WaitForAsync(() => waiting.Done.IsCompleted || KernelWait(waiting.Tid).Contains("futex", StringComparison.Ordinal));
        Assert.False(waiting.Done.IsCompleted, "a writer of the same file wrote while another was in its turn");
        Assert.False(secondWrote);

        release.Set();
        await Task.WhenAll(holding.Done, waiting.Done).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(secondWrote);
    }

    [Fact]
    public void Writes_land_at_their_offsets()
    {
        var turns = new FileWriteTurns();
        var path = Path.Combine(_dir, "file");
        using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            using var writer = turns.Join(path);
            writer.Write(file, [new byte[] { 1, 2 }, new byte[] { 3 }], 4);
            writer.Write(file, [new byte[] { 9 }], 0);
        }

        Assert.Equal([9, 0, 0, 0, 1, 2, 3], File.ReadAllBytes(path));
    }

    [Fact]
    public void A_file_is_forgotten_when_its_last_writer_leaves()
    {
        var turns = new FileWriteTurns();
        var a = turns.Join("f");
        var b = turns.Join("f");
        a.Dispose();
        a.Dispose();
        Assert.Equal(1, turns.Count);
        b.Dispose();
        Assert.Equal(0, turns.Count);
        Assert.Throws<ObjectDisposedException>(() => b.Write(null!, [], 0));
    }

    /// <summary>Runs <paramref name="action"/> on a thread of its own, with that thread's kernel id.</summary>
    private static (int Tid, Task Done) OnThread(Action action)
    {
        var tid = new TaskCompletionSource<int>();
        var done = new TaskCompletionSource();
        new Thread(() =>
        {
            tid.SetResult(gettid());
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true }.Start();
        return (tid.Task.Result, done.Task);
    }

    /// <summary>Where the kernel holds the thread, e.g. "futex_wait_queue"; "0" or empty when it runs or is gone.</summary>
    private static string KernelWait(int tid) => File.Exists($"/proc/self/task/{tid}/wchan") ? File.ReadAllText($"/proc/self/task/{tid}/wchan") : string.Empty;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int gettid();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), "condition not reached within a minute");
            await Task.Delay(10);
        }
    }
}
