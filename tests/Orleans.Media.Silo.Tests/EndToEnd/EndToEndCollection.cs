namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The end-to-end tests start real silo processes; on 2 cores they must not compete with each other for CPU (a silo
/// starved of its heartbeat fences itself), so the collection runs its classes one after another.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "EndToEnd";
}
