using System.Reflection;

namespace Orleans.Media.Runtime.Core;

/// <summary>The grain reference handed out by <see cref="IGrainFactory"/>: forwards interface calls to the runtime.</summary>
public class GrainProxy : DispatchProxy
{
    private GrainRuntime? _runtime;
    private GrainClassInfo? _class;

    /// <summary>The grain this reference points at.</summary>
    public GrainId GrainId { get; private set; }

    internal void Bind(GrainRuntime runtime, GrainClassInfo grainClass, GrainId grainId)
    {
        _runtime = runtime;
        _class = grainClass;
        GrainId = grainId;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var runtime = _runtime ?? throw new InvalidOperationException("Unbound grain reference.");
        var method = runtime.Registry.Method(targetMethod);
        return method.ToReturnType(runtime.InvokeAsync(GrainId, _class!, method, args));
    }

    public override string ToString() => GrainId.ToString();
}
