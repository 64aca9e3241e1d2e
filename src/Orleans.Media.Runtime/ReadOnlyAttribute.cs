namespace Orleans.Media.Runtime;

/// <summary>
/// On a grain interface method: the call reads a snapshot without taking the grain's lock or a write transaction.
/// The method must not change state, partition, nor schedule jobs, reminders or events; the runtime throws
/// <see cref="InvalidOperationException"/> if it does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ReadOnlyAttribute : Attribute;
