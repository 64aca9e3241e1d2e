using System.Threading.Channels;

namespace Orleans.Media.Archives.Pipeline;

/// <summary>
/// One entry travelling from the decoder to an upload worker. An entry that fits in one chunk travels whole (most
/// entries of a many-small-files archive: no per-entry channel); a larger one gets its own bounded channel of
/// chunks, so a slow upload holds back the decoder by at most <see cref="ExtractionOptions.ChunksPerEntry"/> chunks.
/// </summary>
internal sealed class EntryUpload
{
    private EntryUpload(string path, string key, ExtractedEntry success, Chunk? whole, Channel<Chunk>? chunks)
    {
        Path = path;
        Key = key;
        Success = success;
        Whole = whole;
        Chunks = chunks;
    }

    public string Path { get; }

    public string Key { get; }

    /// <summary>The result recorded when the object is complete.</summary>
    public ExtractedEntry Success { get; }

    /// <summary>All of a small entry's data (possibly empty); null for a streamed entry.</summary>
    public Chunk? Whole { get; }

    /// <summary>A streamed entry's chunks; null for a small one.</summary>
    public Channel<Chunk>? Chunks { get; }

    public static EntryUpload Small(string path, string key, ExtractedEntry success, Chunk whole) =>
        new(path, key, success, whole, null);

    public static EntryUpload Streamed(string path, string key, ExtractedEntry success, int capacity, Task<bool>? after = null, TaskCompletionSource<bool>? done = null) =>
        new(path, key, success, null, Channel.CreateBounded<Chunk>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        }))
        {
            After = after,
            Done = done,
        };

    /// <summary>
    /// Parallel zip decoding commits entries in archive order: the object is completed only after the previous entry
    /// finished (true) — or dropped when it failed for good (false), so nothing after a corrupt entry is written.
    /// </summary>
    public Task<bool>? After { get; init; }

    /// <summary>Set when this entry is committed (true) or will never be (false); the next entry's <see cref="After"/>.</summary>
    public TaskCompletionSource<bool>? Done { get; init; }

    /// <summary>The upload took one of the run's large-upload slots: its worker gives it back when the write is closed.</summary>
    public bool HoldsLargeSlot { get; set; }

    /// <summary>The decoder gave up on the entry: the worker must drop the write without completing it.</summary>
    public void Abort(string reason) => Chunks?.Writer.TryComplete(new EntryAbortedException(reason));
}
