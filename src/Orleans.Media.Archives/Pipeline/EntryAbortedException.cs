namespace Orleans.Media.Archives.Pipeline;

/// <summary>Completes an entry's chunk channel when decoding failed; the decoder records the refusal itself.</summary>
internal sealed class EntryAbortedException(string reason) : Exception(reason);
