using System.Collections.Concurrent;

namespace Orleans.Media.Silo.Protocols;

/// <summary>
/// Every operation the front silo serves. Operation groups add themselves with
/// <c>services.AddApiOperations(catalog => catalog.Add(new ApiOperation(…)))</c>; the protocol endpoints
/// (<c>MapAlibabaRpc</c>, <c>MapRestApi</c>, <c>MapHuaweiApi</c>) and the OpenAPI document read it.
/// REST and Huawei routes are bound when mapped, so add operations before <c>app.Map…</c>.
/// </summary>
public sealed class ApiOperationCatalog
{
    private readonly ConcurrentDictionary<(string Version, string Action), ApiOperation> _rpc = new();
    private readonly ConcurrentDictionary<string, byte> _versions = new(StringComparer.Ordinal);
    private readonly List<ApiOperation> _all = [];
    private readonly Lock _gate = new();

    /// <summary>Adds an operation; a second operation with the same Version + Action is a programming error.</summary>
    public ApiOperationCatalog Add(ApiOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        lock (_gate)
        {
            if (operation.Rpc && !_rpc.TryAdd((operation.Version, operation.Action), operation))
            {
                throw new InvalidOperationException($"Operation {operation.Action} ({operation.Version}) is already registered.");
            }

            _versions.TryAdd(operation.Version, 0);
            _all.Add(operation);
        }

        return this;
    }

    public IReadOnlyList<ApiOperation> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _all];
            }
        }
    }

    public bool IsKnownVersion(string version) => _versions.ContainsKey(version);

    public bool TryFindRpc(string version, string action, out ApiOperation operation) =>
        _rpc.TryGetValue((version, action), out operation!);
}
