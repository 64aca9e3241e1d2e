namespace Orleans.Media.Archives.Pipeline;

/// <summary>
/// Every entry's outcome by index, set from the decoder and the upload workers. An array in index order instead of
/// a concurrent map: one reference per entry (the map held a 40-byte node each: ~3 MB on 80,000 entries), and the
/// result list comes out already sorted.
/// </summary>
internal sealed class EntryResults
{
    private readonly Lock _gate = new();
    private ExtractedEntry?[] _slots = [];

    /// <summary>Sizes the array once for the entries the plan expects (more still fit: it grows).</summary>
    public void Reserve(int count)
    {
        lock (_gate)
        {
            if (count > _slots.Length)
            {
                Array.Resize(ref _slots, count);
            }
        }
    }

    public ExtractedEntry this[int index]
    {
        set
        {
            lock (_gate)
            {
                if (index >= _slots.Length)
                {
                    Array.Resize(ref _slots, Math.Max(index + 1, _slots.Length * 2));
                }

                _slots[index] = value;
            }
        }
    }

    /// <summary>The outcomes so far, in index order, up to <paramref name="lastIndex"/>.</summary>
    public List<ExtractedEntry> InOrder(int lastIndex = int.MaxValue)
    {
        lock (_gate)
        {
            var list = new List<ExtractedEntry>();
            for (var i = 0; i < _slots.Length && i <= lastIndex; i++)
            {
                if (_slots[i] is { } entry)
                {
                    list.Add(entry);
                }
            }

            return list;
        }
    }
}
