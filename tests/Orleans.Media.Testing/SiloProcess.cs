using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Orleans.Media.Testing;

/// <summary>
/// The REAL silo binary (<c>src/Orleans.Media.Silo/bin/&lt;Configuration&gt;/net10.0/Orleans.Media.Silo.dll</c>, the
/// configuration this test assembly was built in) as a child process: its own free port and data directory,
/// settings from environment variables, stdout/stderr appended to <see cref="LogFile"/>.
/// <see cref="KillAsync"/> is SIGKILL (nothing flushed, no lease handed back); <see cref="StopAsync"/> is SIGTERM
/// (graceful); <see cref="StartAsync()"/> after either restarts it on the same data directory and port.
/// Every child is also killed when the test process exits, so a failed test leaves no orphan silo.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly ConcurrentDictionary<SiloProcess, byte> Live = new();
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly SiloProcessOptions _options;
    private readonly bool _ownsDataDir;
    private readonly object _logLock = new();
    private Process? _process;
    private StreamWriter? _log;

    static SiloProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var silo in Live.Keys)
            {
                silo.KillNow();
            }
        };
    }

    private SiloProcess(SiloProcessOptions options)
    {
        _options = options;
        _ownsDataDir = options.DataDir is null;
        DataDir = options.DataDir ?? Directory.CreateTempSubdirectory("om-silo-").FullName;
        Directory.CreateDirectory(DataDir);
        Port = FreePort();
        LogFile = Path.Combine(Path.GetTempPath(), $"om-silo-{options.Name}-{Guid.NewGuid().ToString("N")[..8]}.log");
    }

    public string Name => _options.Name;

    public string DataDir { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string LogFile { get; }

    /// <summary>The OS process id of the current run (0 when not running).</summary>
    public int ProcessId => _process is { HasExited: false } p ? p.Id : 0;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The silo binary for this test assembly's build configuration (Debug or Release).</summary>
    public static string SiloAssembly
    {
        get
        {
            // <repo>/tests/<project>/bin/<Configuration>/<tfm>/ → the silo's output of the same configuration.
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testOutput.Parent?.Name ?? "Debug";
            var path = Path.Combine(TestEnvironment.RepoRoot, "src", "Orleans.Media.Silo", "bin", configuration, "net10.0", "Orleans.Media.Silo.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"The silo binary is not built at {path}; build src/Orleans.Media.Silo in {configuration}.", path);
        }
    }

    /// <summary>A silo not started yet (see <see cref="StartAsync()"/>); the caller disposes it.</summary>
    public static SiloProcess Create(SiloProcessOptions options) => new(options);

    /// <summary>Starts a silo and waits until it answers <c>/readyz</c> 200.</summary>
    public static async Task<SiloProcess> StartAsync(SiloProcessOptions options)
    {
        var silo = new SiloProcess(options);
        try
        {
            await silo.StartAsync();
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    /// <summary>(Re)starts this silo on its data directory and port; waits for <c>/readyz</c> 200.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Silo {Name} is already running.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DataDir,
        };
        start.ArgumentList.Add(SiloAssembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{Port}");

        // Nothing inherited may redirect the silo elsewhere (URLs, environment, a stray connection string).
        foreach (var key in start.Environment.Keys.Where(k =>
                     k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) ||
                     k.StartsWith("OrleansMedia__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["OrleansMedia__DataDir"] = DataDir;
        start.Environment["OrleansMedia__SiloName"] = Name;

        // Several silos share this machine: each picks free Orleans ports unless the test fixes them.
        start.Environment["OrleansMedia__SiloPort"] = "0";
        start.Environment["OrleansMedia__GatewayPort"] = "0";
        foreach (var (key, value) in _options.Environment)
        {
            start.Environment[key] = value;
        }

        lock (_logLock)
        {
            _log ??= new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            _log.WriteLine($"---- {DateTimeOffset.UtcNow:O} starting {Name} on port {Port}, data {DataDir}");
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Live[this] = 0;
        await WaitReadyAsync(process);
    }

    /// <summary>kill -9: the process and its children die at once.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        AppendLog($"---- {DateTimeOffset.UtcNow:O} SIGKILL");
        KillNow();
        await process.WaitForExitAsync();
        Live.TryRemove(this, out _);
    }

    /// <summary>
    /// SIGTERM and wait for a graceful exit (then SIGKILL if it hangs past <paramref name="timeout"/>). Returns the
    /// exit code of a graceful exit, or null when it had to be killed (or was not running).
    /// </summary>
    public async Task<int?> StopAsync(TimeSpan? timeout = null)
    {
        if (_process is not { HasExited: false } process)
        {
            return null;
        }

        AppendLog($"---- {DateTimeOffset.UtcNow:O} SIGTERM");
        _ = Kill(process.Id, SigTerm);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            AppendLog("---- graceful stop timed out; SIGKILL");
            KillNow();
            await process.WaitForExitAsync();
            Live.TryRemove(this, out _);
            return null;
        }

        Live.TryRemove(this, out _);
        return process.ExitCode;
    }

    /// <summary>Reads the admin credentials the first silo of a store writes to <c>&lt;data dir&gt;/credentials.json</c>.</summary>
    public async Task<SiloCredentials> ReadCredentialsAsync(TimeSpan? timeout = null)
    {
        var file = Path.Combine(DataDir, "credentials.json");
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                if (File.Exists(file))
                {
                    var credentials = JsonSerializer.Deserialize<SiloCredentials>(await File.ReadAllTextAsync(file));
                    if (credentials is { AccessKeyId.Length: > 0, AccessKeySecret.Length: > 0 })
                    {
                        return credentials;
                    }
                }
            }
            catch (JsonException)
            {
                // Written while we read: try again.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{file} did not appear.\n{LogTail()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The last lines of the silo's log, for failure messages.</summary>
    public string LogTail(int lines = 60)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"---- last {lines} lines of {LogFile}:\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(log {LogFile} unreadable: {e.Message})";
        }
    }

    /// <summary>The whole log so far.</summary>
    public string ReadLog()
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            KillNow();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
            }

            process.Dispose();
            _process = null;
        }

        Live.TryRemove(this, out _);
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }

        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task WaitReadyAsync(Process process)
    {
        var deadline = DateTime.UtcNow + _options.ReadyTimeout;
        var ready = new Uri(BaseAddress, "readyz");
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Silo {Name} exited with code {process.ExitCode} before it was ready.\n{LogTail()}");
            }

            try
            {
                using var response = await Probe.GetAsync(ready);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Silo {Name} did not answer /readyz 200 within {_options.ReadyTimeout}.\n{LogTail()}");
            }

            await Task.Delay(100);
        }
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log?.WriteLine(line);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
