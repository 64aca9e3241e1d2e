namespace Orleans.Media.Archives;

/// <summary>Progress of one extraction. <see cref="Fraction"/> is by bytes when sizes are known, else by entries.</summary>
public sealed record ExtractionProgress(int EntriesDone, int EntriesTotal, long BytesDone, long BytesTotal)
{
    public double Fraction => BytesTotal > 0
        ? Math.Min(1.0, (double)BytesDone / BytesTotal)
        : EntriesTotal > 0 ? Math.Min(1.0, (double)EntriesDone / EntriesTotal) : 1.0;
}
