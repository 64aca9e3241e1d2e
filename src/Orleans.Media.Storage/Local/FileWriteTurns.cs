using Microsoft.Win32.SafeHandles;

namespace Orleans.Media.Storage.Local;

/// <summary>
/// Writers of one file take turns in this process, one write at a time. Linux serializes buffered writes to one file
/// on its inode lock anyway, and writers that meet there spin on it: eight writers of 128 KiB blocks into one 6 GiB
/// file cost ext4 5.7–12.2 s of system CPU, the same writes taken in turn 3.9–4.5 s. The parts of a multipart upload
/// are written into one file at their offsets, often eight or more at once.
/// </summary>
internal sealed class FileWriteTurns
{
    private readonly Dictionary<string, Turn> _turns = new(StringComparer.Ordinal);

    /// <summary>Files with at least one writer (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_turns)
            {
                return _turns.Count;
            }
        }
    }

    /// <summary>Joins the writers of <paramref name="path"/> until the returned writer is disposed.</summary>
    public Writer Join(string path)
    {
        lock (_turns)
        {
            if (!_turns.TryGetValue(path, out var turn))
            {
                turn = new Turn();
                _turns.Add(path, turn);
            }

            turn.Writers++;
            return new Writer(this, path, turn);
        }
    }

    private void Leave(string path, Turn turn)
    {
        lock (_turns)
        {
            if (--turn.Writers == 0)
            {
                _turns.Remove(path);
            }
        }
    }

    internal sealed class Turn
    {
        public int Writers;
    }

    /// <summary>One writer of a file: its writes wait for the file's other writers' to end (a page-cache copy, microseconds).</summary>
    public sealed class Writer : IDisposable
    {
        private readonly FileWriteTurns _owner;
        private readonly string _path;
        private Turn? _turn;

        internal Writer(FileWriteTurns owner, string path, Turn turn)
        {
            _owner = owner;
            _path = path;
            _turn = turn;
        }

        public void Write(SafeFileHandle file, IReadOnlyList<ReadOnlyMemory<byte>> buffers, long offset) =>
            InTurn(() => RandomAccess.Write(file, buffers, offset));

        /// <summary>Runs <paramref name="write"/> when no other writer of the file is in its own.</summary>
        internal void InTurn(Action write)
        {
            var turn = _turn ?? throw new ObjectDisposedException(nameof(Writer));
            lock (turn)
            {
                write();
            }
        }

        public void Dispose()
        {
            if (_turn is { } turn)
            {
                _turn = null;
                _owner.Leave(_path, turn);
            }
        }
    }
}
