namespace Orleans.Media.Runtime;

/// <summary>Identity of a grain: its type name (from <see cref="GrainTypeAttribute"/>) and its key. Printed "type/key".</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => Type + "/" + Key;

    /// <summary>Parses "type/key"; the key may itself contain '/'.</summary>
    public static GrainId Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == value.Length - 1)
        {
            throw new FormatException($"'{value}' is not a grain id of the form type/key.");
        }

        return new GrainId(value[..slash], value[(slash + 1)..]);
    }

    public static bool TryParse(string? value, out GrainId id)
    {
        var slash = value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (value is null || slash <= 0 || slash == value.Length - 1)
        {
            id = default;
            return false;
        }

        id = new GrainId(value[..slash], value[(slash + 1)..]);
        return true;
    }
}
