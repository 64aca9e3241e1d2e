using Orleans.Media.Archives;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// Collects the engine's progress and checkpoint callbacks (called on upload threads) so a single pump can push
/// the latest of each to the store at a steady pace, never blocking the extraction.
/// </summary>
public sealed class ExtractionReporter
{
    private volatile ExtractionCheckpoint? _checkpoint;
    private volatile int _percent;

    public ExtractionCheckpoint? Checkpoint => _checkpoint;

    public int Percent => _percent;

    public void OnProgress(ExtractionProgress progress) => _percent = (int)Math.Floor(progress.Fraction * 100);

    public void OnCheckpoint(ExtractionCheckpoint checkpoint) => _checkpoint = checkpoint;
}
