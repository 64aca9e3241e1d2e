using System.Reflection;

namespace Orleans.Media.Runtime.Core;

/// <summary>A grain interface method: invokes it on an activation and adapts Task/ValueTask results both ways.</summary>
internal sealed class GrainMethod
{
    private static readonly MethodInfo AwaitTaskOfT = typeof(GrainMethod).GetMethod(nameof(AwaitTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AwaitValueTaskOfT = typeof(GrainMethod).GetMethod(nameof(AwaitValueTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo CastTaskOfT = typeof(GrainMethod).GetMethod(nameof(CastTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ToValueTaskOfT = typeof(GrainMethod).GetMethod(nameof(ToValueTaskOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly MethodInfo _method;
    private readonly Func<object, Task<object?>> _await;
    private readonly Func<Task<object?>, object> _toReturnType;

    private GrainMethod(MethodInfo method, bool isReadOnly, Func<object, Task<object?>> await, Func<Task<object?>, object> toReturnType)
    {
        _method = method;
        IsReadOnly = isReadOnly;
        CreatesGrain = method.IsDefined(typeof(CreatesGrainAttribute), inherit: true);
        _await = await;
        _toReturnType = toReturnType;
    }

    public bool IsReadOnly { get; }

    /// <summary>See <see cref="CreatesGrainAttribute"/>.</summary>
    public bool CreatesGrain { get; }

    public string Name => _method.Name;

    public Task<object?> InvokeAsync(object grain, object?[]? args)
    {
        var returned = _method.Invoke(grain, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null)
            ?? throw new InvalidOperationException($"{_method.DeclaringType}.{_method.Name} returned null instead of a task.");
        return _await(returned);
    }

    /// <summary>Converts the runtime's Task&lt;object?&gt; to what the proxy's method must return.</summary>
    public object ToReturnType(Task<object?> result) => _toReturnType(result);

    public static GrainMethod Create(MethodInfo method)
    {
        var isReadOnly = method.IsDefined(typeof(ReadOnlyAttribute), inherit: true);
        var rt = method.ReturnType;
        if (rt == typeof(Task))
        {
            return new GrainMethod(method, isReadOnly, o => AwaitTask((Task)o), t => t);
        }

        if (rt == typeof(ValueTask))
        {
            return new GrainMethod(method, isReadOnly, o => AwaitValueTask((ValueTask)o), t => new ValueTask(t));
        }

        if (rt.IsGenericType && rt.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var arg = rt.GetGenericArguments()[0];
            return new GrainMethod(method, isReadOnly,
                AwaitTaskOfT.MakeGenericMethod(arg).CreateDelegate<Func<object, Task<object?>>>(),
                CastTaskOfT.MakeGenericMethod(arg).CreateDelegate<Func<Task<object?>, object>>());
        }

        if (rt.IsGenericType && rt.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var arg = rt.GetGenericArguments()[0];
            return new GrainMethod(method, isReadOnly,
                AwaitValueTaskOfT.MakeGenericMethod(arg).CreateDelegate<Func<object, Task<object?>>>(),
                ToValueTaskOfT.MakeGenericMethod(arg).CreateDelegate<Func<Task<object?>, object>>());
        }

        throw new NotSupportedException($"Grain method {method.DeclaringType}.{method.Name} must return Task, Task<T>, ValueTask or ValueTask<T>.");
    }

    private static async Task<object?> AwaitTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> AwaitValueTask(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> AwaitTaskOf<T>(object task) => await ((Task<T>)task).ConfigureAwait(false);

    private static async Task<object?> AwaitValueTaskOf<T>(object task) => await ((ValueTask<T>)task).ConfigureAwait(false);

    private static async Task<T> CastTaskOf<T>(Task<object?> task) => (T)(await task.ConfigureAwait(false))!;

    private static object CastTask<T>(Task<object?> task) => CastTaskOf<T>(task);

    private static object ToValueTaskOf<T>(Task<object?> task) => new ValueTask<T>(CastTaskOf<T>(task));
}
