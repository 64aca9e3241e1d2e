using System.Diagnostics;

namespace Orleans.Media.Archives.Tests.Support;

/// <summary>Runs the real archivers (zip, 7zz, bsdtar, unzip) the tests build and check archives with.</summary>
internal static class Tools
{
    public static void Run(string workingDirectory, string file, params string[] args)
    {
        var (code, error) = TryRun(workingDirectory, file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {error}");
        }
    }

    public static (int ExitCode, string Error) TryRun(string workingDirectory, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stderr.Result + stdout.Result);
    }
}
