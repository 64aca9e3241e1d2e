using System.Globalization;

namespace Orleans.Media.Processing.Actions;

/// <summary>
/// An action's <c>Parameters</c> as IMM sends them: <c>key=value</c> strings (<c>format=mp4</c>). Each action takes the
/// keys it knows; <see cref="EnsureAllUsed"/> then refuses any other, so a typo fails when the batch is created.
/// </summary>
public sealed class ActionParameters
{
    private readonly string _action;
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private ActionParameters(string action, Dictionary<string, string> values)
    {
        _action = action;
        _values = values;
    }

    public static ActionParameters Parse(string action, IReadOnlyList<string>? parameters)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in parameters ?? [])
        {
            var eq = p?.IndexOf('=', StringComparison.Ordinal) ?? -1;
            if (eq <= 0)
            {
                throw new InvalidActionParameterException(action, p ?? string.Empty, "is not of the form key=value");
            }

            var key = p![..eq].Trim();
            if (!values.TryAdd(key, p[(eq + 1)..].Trim()))
            {
                throw new InvalidActionParameterException(action, key, "is given more than once");
            }
        }

        return new ActionParameters(action, values);
    }

    /// <summary>The value of <paramref name="key"/> (or of one alias), or null.</summary>
    public string? Get(string key, params string[] aliases)
    {
        string? found = null;
        string? foundKey = null;
        foreach (var k in aliases.Prepend(key))
        {
            if (_values.TryGetValue(k, out var v))
            {
                if (found is not null)
                {
                    throw Invalid(k, $"and '{foundKey}' mean the same; give one");
                }

                _used.Add(k);
                found = v;
                foundKey = k;
            }
        }

        if (found is { Length: 0 })
        {
            throw Invalid(foundKey!, "is empty");
        }

        return found;
    }

    public string Required(string key, params string[] aliases) =>
        Get(key, aliases) ?? throw Invalid(key, "is required");

    public int? GetInt(string key, int min, int max, params string[] aliases)
    {
        if (Get(key, aliases) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(key, $"must be a whole number from {min} to {max} (got '{text}')");
        }

        return value;
    }

    public long? GetLong(string key, long min, long max)
    {
        if (Get(key) is not { } text)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(key, $"must be a whole number from {min} to {max} (got '{text}')");
        }

        return value;
    }

    public double? GetDouble(string key, double min, double max)
    {
        if (Get(key) is not { } text)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(key, $"must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{text}')");
        }

        return value;
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive, returned lower-case), or null.</summary>
    public string? GetChoice(string key, IReadOnlyCollection<string> allowed, params string[] aliases)
    {
        if (Get(key, aliases) is not { } text)
        {
            return null;
        }

        var lower = text.ToLowerInvariant();
        return allowed.Contains(lower) ? lower : throw Invalid(key, $"must be one of {string.Join(", ", allowed)} (got '{text}')");
    }

    /// <summary>Refuses keys no one asked for.</summary>
    public void EnsureAllUsed()
    {
        foreach (var key in _values.Keys)
        {
            if (!_used.Contains(key))
            {
                throw Invalid(key, "is not a parameter of this action");
            }
        }
    }

    public InvalidActionParameterException Invalid(string key, string problem) => new(_action, key, problem);
}

/// <summary>A parameter refused when the batch (or task) is created: names the action and the parameter.</summary>
public sealed class InvalidActionParameterException(string action, string parameter, string problem)
    : ArgumentException($"{action}: parameter '{parameter}' {problem}.")
{
    public string Action { get; } = action;

    public string Parameter { get; } = parameter;
}

/// <summary>An action ran on one object and failed (damaged input, a tool's error, a limit); the message is the reason.</summary>
public sealed class ActionFailedException(string action, string source, string reason, Exception? inner = null)
    : Exception($"{action} on {source}: {reason}", inner)
{
    public string Action { get; } = action;

    public string Reason { get; } = reason;
}
