using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Media.Runtime.Core;

/// <summary>A registered grain class: its type name and how to create activations.</summary>
internal sealed class GrainClassInfo(string typeName, Type classType)
{
    private readonly ObjectFactory _factory = ActivatorUtilities.CreateFactory(classType, Type.EmptyTypes);

    public string TypeName { get; } = typeName;

    public Type ClassType { get; } = classType;

    public bool IsOutcomeReceiver { get; } = typeof(IJobOutcomeReceiver).IsAssignableFrom(classType);

    public bool IsRemindable { get; } = typeof(IRemindable).IsAssignableFrom(classType);

    public Grain Create(IServiceProvider services) => (Grain)_factory(services, null);
}
