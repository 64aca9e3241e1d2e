namespace Orleans.Media.Processing.Actions;

/// <summary>The actions by name; what a batch's <c>Actions[].Name</c> selects.</summary>
public sealed class MediaActionRegistry
{
    private readonly Dictionary<string, IMediaAction> _actions;

    public MediaActionRegistry(IEnumerable<IMediaAction> actions)
    {
        _actions = new Dictionary<string, IMediaAction>(StringComparer.Ordinal);
        foreach (var action in actions)
        {
            _actions[action.Name] = action;
        }
    }

    public IReadOnlyCollection<string> Names => _actions.Keys;

    /// <summary>The action with its parameters checked; an unknown name or bad parameter throws <see cref="InvalidActionParameterException"/>.</summary>
    public IPreparedAction Prepare(string name, IReadOnlyList<string>? parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _actions.TryGetValue(name, out var action)
            ? action.Prepare(parameters)
            : throw new InvalidActionParameterException(name, "Name", $"is not a known action (known: {string.Join(", ", _actions.Keys.Order(StringComparer.Ordinal))})");
    }
}
