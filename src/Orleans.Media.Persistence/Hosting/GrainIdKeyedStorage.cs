using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Media.Persistence.Hosting;

/// <summary>
/// Orleans' ADO.NET grain storage, given a storage key that is the whole grain id. The provider itself keys a row by
/// the state name and the grain key parsed as an integer or Guid when it looks like one: string keys "123" and
/// "0123" (both hex) would share a row, and so would two grain types with the same key and state name. Handing it
/// "~type/key" (never a number or a Guid: '~' is neither) stores every grain under its exact id.
/// A grain this process is creating under a new id (<see cref="NewGrainIds"/>) is not read: it has no row.
/// </summary>
internal sealed class GrainIdKeyedStorage(AdoNetGrainStorage inner, NewGrainIds newGrainIds) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        newGrainIds.TryTake(grainId) ? Task.CompletedTask : inner.ReadStateAsync(stateName, StorageId(grainId), grainState);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        newGrainIds.TryTake(grainId) ? Task.CompletedTask : ((IGrainStorage)inner).ReadStateAsync(stateName, StorageId(grainId), grainState, cancellationToken);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.WriteStateAsync(stateName, StorageId(grainId), grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ((IGrainStorage)inner).WriteStateAsync(stateName, StorageId(grainId), grainState, cancellationToken);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, StorageId(grainId), grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ((IGrainStorage)inner).ClearStateAsync(stateName, StorageId(grainId), grainState, cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) => inner.Participate(lifecycle);

    /// <summary>The id the provider stores under: same type, key "~" + the full grain id.</summary>
    internal static GrainId StorageId(GrainId grainId) => GrainId.Create(grainId.Type, IdSpan.Create("~" + grainId));
}
