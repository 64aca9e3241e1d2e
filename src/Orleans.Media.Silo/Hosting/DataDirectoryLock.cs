namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// The embedded default's claim on its data directory: an exclusive OS file lock on <c>&lt;data dir&gt;/silo.lock</c>
/// held for the life of the process (the OS drops it when the process dies, kill -9 included, so it never goes stale).
/// Two embedded silos on one SQLite file are two one-silo clusters writing the same grain rows, not a cluster: the
/// second one refuses to start. A serving silo publishes its HTTP address in <c>silo.endpoint</c> so the <c>keys</c>
/// verb can act through it instead of opening the store behind its back.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly DataDirectory _data;

    private DataDirectoryLock(FileStream stream, DataDirectory data)
    {
        _lock = stream;
        _data = data;
    }

    public static bool TryAcquire(DataDirectory data, out DataDirectoryLock? acquired)
    {
        data.Create();
        try
        {
            // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix and a sharing lock on Windows.
            var stream = new FileStream(data.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            acquired = new DataDirectoryLock(stream, data);
        }
        catch (IOException)
        {
            acquired = null;
            return false;
        }

        // A silo killed earlier left its address behind; nobody serves it now.
        TryDelete(data.EndpointFile);
        var owner = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
        acquired._lock.SetLength(0);
        acquired._lock.Write(owner);
        acquired._lock.Flush();
        return true;
    }

    /// <summary>Takes the lock or throws a message naming the directory and what to do.</summary>
    public static DataDirectoryLock Acquire(DataDirectory data) =>
        TryAcquire(data, out var acquired)
            ? acquired!
            : throw new SiloStartRefusedException(
                $"The data directory {data.Path} is in use by another process (a running silo or a `keys` command; lock {data.LockFile}). " +
                "Two embedded silos on one SQLite file do not form a cluster: stop the other silo, give this one another " +
                "OrleansMedia:DataDir, or run a cluster on PostgreSQL (ConnectionStrings:Postgres).");

    public static bool IsHeld(DataDirectory data)
    {
        if (!File.Exists(data.LockFile))
        {
            return false;
        }

        if (!TryAcquire(data, out var probe))
        {
            return true;
        }

        probe!.Dispose();
        return false;
    }

    /// <summary>The address of the silo holding the lock, when it serves HTTP (null while it starts).</summary>
    public static Uri? ReadEndpoint(DataDirectory data)
    {
        try
        {
            return Uri.TryCreate(File.ReadAllText(data.EndpointFile).Trim(), UriKind.Absolute, out var uri) ? uri : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void PublishEndpoint(Uri address)
    {
        // Written beside and renamed, so a reader never sees half an address.
        var temp = _data.EndpointFile + "." + Environment.ProcessId;
        File.WriteAllText(temp, address.ToString());
        File.Move(temp, _data.EndpointFile, overwrite: true);
    }

    public void Dispose()
    {
        TryDelete(_data.EndpointFile);
        _lock.Dispose();
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Best effort: the next owner deletes it when it takes the lock.
        }
    }
}
