using System.Diagnostics;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Orleans.Media.Storage;

namespace Orleans.Media.Archives.SevenZip;

/// <summary>
/// One <c>7zz e -so -mmt1</c> child process writing every file's data of a local 7z, in the archive's order, to its
/// stdout: 7-Zip's own LZMA decoder spends ~15 % less CPU than liblzma 5.4 and runs beside the engine's writes. The
/// engine keeps everything else (names, limits, CRC-32 per file, checkpoints) from its own header parse; this is only
/// a byte stream. The password goes through stdin (never the command line, which /proc shows to every user); the
/// archive through <c>/proc/PID/fd/N</c> of the engine's own open file, so it is the file the engine parsed.
/// </summary>
internal sealed class SevenZipTool : IDisposable
{
    private const int PipeBytes = 1 << 20;
    private const int StderrLines = 12;

    private readonly Process _process;
    private readonly Stream _output;
    private readonly Queue<string> _stderr = new();
    private readonly CancellationTokenRegistration _cancel;
    private readonly long _expected;
    private readonly CancellationToken _cancellationToken;
    private readonly TimeSpan _stallLimit;
    private readonly Timer _watchdog;
    private long _waitingSince;
    private volatile bool _stalled;
    private bool _disposed;

    private SevenZipTool(Process process, long expected, TimeSpan stallLimit, CancellationToken cancellationToken)
    {
        _process = process;
        _expected = expected;
        _stallLimit = stallLimit;
        _cancellationToken = cancellationToken;
        _output = process.StandardOutput.BaseStream;
        _cancel = cancellationToken.Register(static p => Kill((Process)p!), process);

        // A blocking pipe read has no timeout of its own: the watchdog kills the child when a read has waited too long,
        // which ends the read (end of output) and lets Read say why.
        var period = TimeSpan.FromTicks(Math.Clamp(stallLimit.Ticks / 4, TimeSpan.TicksPerMillisecond * 25, TimeSpan.TicksPerSecond));
        _watchdog = new Timer(static t => ((SevenZipTool)t!).CheckStall(), this, period, period);
    }

    /// <summary>The <c>7zz</c> on PATH; null when there is none (the engine then decodes with liblzma).</summary>
    public static string? Executable { get; } = Find("7zz");

    /// <summary>Bytes read from the child's output so far (its position in the concatenated file data).</summary>
    public long Position { get; private set; }

    /// <summary>The child's id (tests check that none outlives a run).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// A path a child process can open to read the file behind <paramref name="source"/>: the engine's own open file
    /// through procfs. Null for anything that is not a local file, or when procfs does not show it.
    /// </summary>
    public static string? ArchivePathOf(Stream source)
    {
        SafeFileHandle? handle = source switch
        {
            ObjectReadStream s => s.LocalFileHandle,
            FileStream f => f.SafeFileHandle,
            _ => null,
        };
        if (handle is null || handle.IsInvalid || handle.IsClosed || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = $"/proc/{Environment.ProcessId}/fd/{handle.DangerousGetHandle()}";
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// Starts 7zz on <paramref name="archive"/>. <paramref name="expected"/>: the bytes its output must have (the sum of
    /// the folders' unpack sizes); fewer is a failure whose reason is 7zz's own stderr. Cancellation kills it.
    /// </summary>
    public static SevenZipTool Start(string archive, string? password, long expected, TimeSpan stallLimit, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("7zz is not installed"))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // -t7z: no other format's parser sees the file; -y: never wait for an answer; no -p: the password comes from stdin.
        foreach (var argument in (string[])["e", "-so", "-mmt1", "-bd", "-y", "-t7z", "--", archive])
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing of the silo's environment (connection strings, keys) reaches a parser of untrusted archives.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["LC_ALL"] = "C.UTF-8";
        var process = new Process { StartInfo = start };
        process.Start();
        var tool = new SevenZipTool(process, expected, stallLimit, cancellationToken);
        try
        {
            process.ErrorDataReceived += (_, e) => tool.AddStderr(e.Data);
            process.BeginErrorReadLine();
            EnlargePipe(process.StandardOutput.BaseStream);

            // 7zz reads a line from stdin when it needs the password (never, for an unencrypted archive: the pipe holds it).
            var input = process.StandardInput.BaseStream;
            if (password is not null)
            {
                input.Write(Encoding.UTF8.GetBytes(password + "\n"));
            }

            input.Dispose();
        }
        catch (IOException)
        {
            // 7zz exited before reading stdin: its stderr says why, at the first read.
        }
        catch
        {
            tool.Dispose();
            throw;
        }

        return tool;
    }

    /// <summary>
    /// Up to <paramref name="buffer"/>'s length of output; 0 only at the end. Throws <see cref="InvalidDataException"/>
    /// with 7zz's reason when it ends early, <see cref="TimeoutException"/> when it was killed for giving no output
    /// within the stall limit.
    /// </summary>
    public int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int n;
        Volatile.Write(ref _waitingSince, Stopwatch.GetTimestamp());
        try
        {
            n = _stalled ? 0 : _output.Read(buffer);
        }
        finally
        {
            Volatile.Write(ref _waitingSince, 0);
        }

        if (n == 0 && Position < _expected)
        {
            // Killed on cancellation or for stalling: that is the reason, not damage.
            _cancellationToken.ThrowIfCancellationRequested();
            if (_stalled)
            {
                throw new TimeoutException($"7-Zip gave no output for {_stallLimit.TotalSeconds:0.#} s after {Position:N0} of {_expected:N0} bytes; its process tree was killed");
            }

            throw new InvalidDataException($"7-Zip's output ended after {Position:N0} of {_expected:N0} bytes: {Failure()}");
        }

        Position += n;
        return n;
    }

    /// <summary>Reads and drops <paramref name="count"/> bytes (files before the wanted one).</summary>
    public void Skip(long count, Span<byte> scratch)
    {
        while (count > 0)
        {
            var n = Read(scratch[..(int)Math.Min(scratch.Length, count)]);
            if (n == 0)
            {
                throw new InvalidDataException("7-Zip's output ended before the file's offset");
            }

            count -= n;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watchdog.Dispose();
        _cancel.Dispose();
        Kill(_process);
        _process.WaitForExit();
        _process.Dispose();
    }

    private void CheckStall()
    {
        var since = Volatile.Read(ref _waitingSince);
        if (since != 0 && !_stalled && Stopwatch.GetElapsedTime(since) > _stallLimit)
        {
            _stalled = true;
            Kill(_process);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    /// <summary>Why 7zz stopped: its exit code and the tail of its stderr (it has closed stdout, so it is exiting).</summary>
    private string Failure()
    {
        var code = _process.WaitForExit(TimeSpan.FromSeconds(30)) ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none (still running)";
        if (_process.HasExited)
        {
            _process.WaitForExit(); // drains the stderr reader
        }

        lock (_stderr)
        {
            return $"7zz exit code {code}; {string.Join(" ", _stderr)}".TrimEnd();
        }
    }

    private void AddStderr(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line.Trim());
            while (_stderr.Count > StderrLines)
            {
                _stderr.Dequeue();
            }
        }
    }

    // 64 KiB by default: 7zz then writes and the engine reads in small slices, a context switch each.
    private static void EnlargePipe(Stream stdout)
    {
        if (stdout is System.IO.Pipes.PipeStream { SafePipeHandle: var pipe } && OperatingSystem.IsLinux())
        {
            _ = Native.Libc.SetPipeSize((int)pipe.DangerousGetHandle(), PipeBytes);
        }
    }

    private static string? Find(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path) && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0)
            {
                return path;
            }
        }

        return null;
    }
}
