namespace Orleans.Media.Runtime;

/// <summary>
/// On a grain interface method: a hint that the call usually creates its grain (a key never used before, such as a
/// fresh task id). The turn then starts the grain from empty state without the round trip that locks and reads its
/// row, and the commit inserts the row. If the grain existed after all (the insert conflicts), or the method throws
/// or leaves the grain unwritten, nothing commits and the turn runs again the usual way (lock, read, method), so the
/// outcome is the same as without the hint.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class CreatesGrainAttribute : Attribute;
