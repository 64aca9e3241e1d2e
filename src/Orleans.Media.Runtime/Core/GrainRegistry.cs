using System.Collections.Concurrent;
using System.Reflection;

namespace Orleans.Media.Runtime.Core;

/// <summary>Maps grain interfaces and type names to grain classes; caches method dispatchers.</summary>
internal sealed class GrainRegistry
{
    private readonly Dictionary<Type, GrainClassInfo> _byInterface = [];
    private readonly Dictionary<string, GrainClassInfo> _byTypeName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<MethodInfo, GrainMethod> _methods = new();

    public GrainRegistry(IEnumerable<GrainRegistration> registrations)
    {
        var byClass = new Dictionary<Type, GrainClassInfo>();
        foreach (var reg in registrations)
        {
            if (!reg.Interface.IsInterface || !reg.Interface.IsAssignableFrom(reg.Class))
            {
                throw new InvalidOperationException($"{reg.Class} does not implement grain interface {reg.Interface}.");
            }

            if (!byClass.TryGetValue(reg.Class, out var info))
            {
                var name = reg.Class.GetCustomAttribute<GrainTypeAttribute>()?.Name
                    ?? throw new InvalidOperationException($"Grain class {reg.Class} needs a [GrainType(\"name\")] attribute.");
                if (_byTypeName.TryGetValue(name, out var other) && other.ClassType != reg.Class)
                {
                    throw new InvalidOperationException($"Grain type name '{name}' is used by both {other.ClassType} and {reg.Class}.");
                }

                info = new GrainClassInfo(name, reg.Class);
                byClass[reg.Class] = info;
                _byTypeName[name] = info;
            }

            if (_byInterface.TryGetValue(reg.Interface, out var existing) && existing.ClassType != reg.Class)
            {
                throw new InvalidOperationException($"Grain interface {reg.Interface} is implemented by both {existing.ClassType} and {reg.Class}.");
            }

            _byInterface[reg.Interface] = info;
        }
    }

    public GrainClassInfo ForInterface(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var info)
            ? info
            : throw new InvalidOperationException($"No grain class is registered for {grainInterface} (AddGrain or AddGrainsFromAssembly).");

    public GrainClassInfo? ForTypeName(string typeName) => _byTypeName.GetValueOrDefault(typeName);

    public GrainMethod Method(MethodInfo method) => _methods.GetOrAdd(method, static m => GrainMethod.Create(m));
}
