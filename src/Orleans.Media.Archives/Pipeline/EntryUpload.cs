using System.Threading.Channels;

namespace Orleans.Media.Archives.Pipeline;

/// <summary>
/// One entry travelling from the decoder to an upload worker: its own bounded channel of chunks, so a slow upload
/// holds back the decoder by at most <see cref="ExtractionOptions.ChunksPerEntry"/> chunks.
/// </summary>
internal sealed class EntryUpload(int index, string path, string key, ExtractedEntry success, int capacity)
{
    public int Index { get; } = index;

    public string Path { get; } = path;

    public string Key { get; } = key;

    /// <summary>The result recorded when the object is complete.</summary>
    public ExtractedEntry Success { get; } = success;

    public Channel<Chunk> Chunks { get; } = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>The decoder gave up on the entry: the worker must drop the write without completing it.</summary>
    public void Abort(string reason) => Chunks.Writer.TryComplete(new EntryAbortedException(reason));
}
