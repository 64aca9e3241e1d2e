namespace Orleans.Media.Archives.Pipeline;

/// <summary>Folds out-of-order completions into "first N done" plus the stragglers beyond N. Not thread-safe.</summary>
internal sealed class CheckpointTracker
{
    private readonly SortedSet<int> _beyond = [];
    private int _prefix;

    public CheckpointTracker(ExtractionCheckpoint? start)
    {
        if (start is not null)
        {
            _prefix = start.CompletedPrefix;
            foreach (var i in start.CompletedBeyondPrefix)
            {
                Add(i);
            }
        }
    }

    public void Add(int index)
    {
        if (index < _prefix)
        {
            return;
        }

        if (index != _prefix)
        {
            _beyond.Add(index);
            return;
        }

        _prefix++;
        while (_beyond.Remove(_prefix))
        {
            _prefix++;
        }
    }

    public ExtractionCheckpoint Snapshot() => new(_prefix, _beyond.ToList());
}
