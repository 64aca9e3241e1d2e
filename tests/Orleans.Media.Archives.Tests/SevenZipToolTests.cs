using System.Text;
using Orleans.Media.Archives.SevenZip;
using Orleans.Media.Archives.Tests.Support;

namespace Orleans.Media.Archives.Tests;

/// <summary>7zz children are this process's children: no other test may start any while these look for them.</summary>
[CollectionDefinition(nameof(SevenZipToolCollection), DisableParallelization = true)]
public sealed class SevenZipToolCollection;

/// <summary>
/// The 7zz child that decodes a local 7z's data: it never sees the password on its command line, it reads the very
/// file the engine opened, and no 7zz outlives a cancelled extraction.
/// </summary>
[Collection(nameof(SevenZipToolCollection))]
public sealed class SevenZipToolTests
{
    private const string Password = "t00l-Pässword";

    /// <summary>An encrypted solid 7z of a small entry, then a big one (about 12 MB of text): 7zz is still decoding
    /// the big one while the small one's progress is reported.</summary>
    private static string SmallThenBig7z(ArchiveHarness h, int seed)
    {
        var source = Path.Combine(h.Work, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "a-small.txt"), "first");
        var rng = new Random(seed);
        File.WriteAllText(Path.Combine(source, "b-big.txt"), string.Join('\n', Enumerable.Range(0, 600_000).Select(n => $"line {n} {rng.Next()}")));
        return EncryptedArchiveTests.SevenZip(h, source, "-mhe=on -ms=on -m0=lzma2 -mx=1", Password);
    }

    [Fact]
    public async Task Cancelling_an_extraction_leaves_no_7zz_process()
    {
        using var h = new ArchiveHarness();
        var archive = SmallThenBig7z(h, seed: 5);

        using var cts = new CancellationTokenSource();
        var seen = new List<int>();

        // One upload at a time, one chunk buffered: while the first entry's progress callback runs, the decoder (and
        // 7zz behind its pipe) waits, so the child is certainly alive when the extraction is cancelled.
        var options = new ExtractionOptions
        {
            Passphrases = [Password],
            MaxUploadsInFlight = 1,
            ChunksPerEntry = 1,
            Progress = _ =>
            {
                if (seen.Count == 0)
                {
                    seen.AddRange(WaitForChildren());
                    cts.Cancel();
                }
            },
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.ExtractAsync(archive, options, cancellationToken: cts.Token));

        Assert.NotEmpty(seen);
        Assert.All(seen, pid => Assert.False(IsSevenZipChild(pid), $"7zz {pid} is still there after the cancelled extraction"));
        Assert.Empty(SevenZipChildren());
        Assert.DoesNotContain("b-big.txt", h.OutputHashes().Keys);
    }

    [Fact]
    public async Task A_7zz_child_that_stops_giving_output_is_killed_and_liblzma_finishes_the_extraction()
    {
        using var h = new ArchiveHarness();
        var archive = SmallThenBig7z(h, seed: 9);

        // Without a stall limit the decoder would wait on the stopped child for ever: this deadline turns that into a failure.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stopped = new List<int>();

        // The first entry came from 7zz; while its progress callback runs the decoder waits (one upload, one chunk), and the
        // child is stopped (SIGSTOP: alive, output pipe open, no more bytes) before the big entry is read.
        var options = new ExtractionOptions
        {
            Passphrases = [Password],
            MaxUploadsInFlight = 1,
            ChunksPerEntry = 1,
            SevenZipToolStallLimit = TimeSpan.FromSeconds(1),
            Progress = _ =>
            {
                if (stopped.Count == 0)
                {
                    stopped.AddRange(WaitForChildren());
                    Assert.All(stopped, pid => Assert.Equal(0, Signal(pid, SigStop)));
                }
            },
        };

        var result = await h.ExtractAsync(archive, options, cancellationToken: deadline.Token);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.NotEmpty(stopped);
        Assert.Equal(ArchiveDecoder.SevenZipTool, result.Decoder); // 7zz handed over the first entry, liblzma the rest
        Assert.Equal(TreeHashes.Of(Path.Combine(h.Work, "src")), h.OutputHashes());
        Assert.All(stopped, pid => Assert.False(IsSevenZipChild(pid), $"the stalled 7zz {pid} is still there"));
        Assert.Empty(SevenZipChildren());
    }

    [Fact]
    public void A_stalled_7zz_read_ends_with_a_timeout_naming_the_limit()
    {
        using var h = new ArchiveHarness();
        var source = Path.Combine(h.Work, "src");
        Directory.CreateDirectory(source);
        var rng = new Random(3);
        File.WriteAllText(Path.Combine(source, "big.txt"), string.Join('\n', Enumerable.Range(0, 600_000).Select(n => $"line {n} {rng.Next()}")));
        var archive = EncryptedArchiveTests.SevenZip(h, source, "-mhe=on -ms=on -m0=lzma2 -mx=1", Password);
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read);

        // Nothing reads until the child is stopped, so it cannot have written more than its pipe holds (1 MiB of ~12 MB):
        // the reads below drain that and then wait on a live child that gives nothing.
        // Without the stall limit the read would wait for ever: the deadline kills the child then, and the read ends cancelled.
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var tool = SevenZipTool.Start(SevenZipTool.ArchivePathOf(file)!, Password, expected: long.MaxValue, TimeSpan.FromMilliseconds(500), deadline.Token);
        Assert.Equal(0, Signal(tool.ProcessId, SigStop));

        var buffer = new byte[64 * 1024];
        var error = Assert.Throws<TimeoutException>(() =>
        {
            while (tool.Read(buffer) > 0)
            {
            }
        });
        Assert.Contains("gave no output for 0.5 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("process tree was killed", error.Message, StringComparison.Ordinal);
        Assert.True(tool.Position <= 1 << 20, $"{tool.Position:N0} bytes came before the stop");
    }

    [Fact]
    public void The_password_is_not_on_7zz_command_line_and_the_archive_is_the_engine_own_open_file()
    {
        using var h = new ArchiveHarness();
        var source = SampleTrees.Create(h.Work);
        var archive = EncryptedArchiveTests.SevenZip(h, source, "-mhe=on -ms=on -m0=lzma2", Password);
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read);
        var path = SevenZipTool.ArchivePathOf(file);
        Assert.NotNull(path);
        Assert.StartsWith($"/proc/{Environment.ProcessId}/fd/", path, StringComparison.Ordinal);

        int pid;
        using (var tool = SevenZipTool.Start(path, Password, expected: long.MaxValue, TimeSpan.FromMinutes(1), CancellationToken.None))
        {
            pid = tool.ProcessId;
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            Assert.DoesNotContain(Password, commandLine, StringComparison.Ordinal);
            Assert.DoesNotContain("-p", commandLine.Split('\0'));
            Assert.Contains(path, commandLine.Split('\0'));

            // None of this process's environment (a silo's holds connection strings and keys) reaches the parser.
            var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin"], environment.Order());

            // It decodes with the password from stdin: the first file's bytes arrive.
            var buffer = new byte[4096];
            Assert.True(tool.Read(buffer) > 0);
        }

        Assert.False(IsSevenZipChild(pid));
    }

    [Fact]
    public void A_wrong_password_ends_7zz_with_its_own_reason()
    {
        using var h = new ArchiveHarness();
        var archive = EncryptedArchiveTests.SevenZip(h, SampleTrees.Create(h.Work), "-mhe=on -ms=on -m0=lzma2", Password);
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read);
        using var tool = SevenZipTool.Start(SevenZipTool.ArchivePathOf(file)!, "wrong", expected: 1, TimeSpan.FromMinutes(1), CancellationToken.None);

        var error = Assert.Throws<InvalidDataException>(() => tool.Read(new byte[4096]));
        Assert.Contains("Wrong password", error.Message, StringComparison.Ordinal);
    }

    private const int SigStop = 19;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    /// <summary>Waits (bounded) until this process has a 7zz child and returns their ids.</summary>
    private static List<int> WaitForChildren()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var children = SevenZipChildren();
            if (children.Count > 0 || DateTime.UtcNow > deadline)
            {
                return children;
            }

            Thread.Sleep(10);
        }
    }

    private static List<int> SevenZipChildren() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && IsSevenZipChild(pid))
            .ToList();

    /// <summary>Whether <paramref name="pid"/> is a 7zz whose parent is this process (a zombie counts: it was not reaped).</summary>
    private static bool IsSevenZipChild(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat", Encoding.ASCII);
            var close = stat.LastIndexOf(')');
            var comm = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            return comm == "7zz" && int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == Environment.ProcessId;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
