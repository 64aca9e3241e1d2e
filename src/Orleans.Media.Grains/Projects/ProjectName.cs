namespace Orleans.Media.Grains.Projects;

/// <summary>IMM project names: 1–128 of <c>[A-Za-z0-9_-]</c>, starting with a letter or <c>_</c>.</summary>
public static class ProjectName
{
    public const int MaxLength = 128;

    public static bool IsValid(string? name) =>
        name is { Length: >= 1 and <= MaxLength } &&
        (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Throws the vendor's error for a missing or malformed name.</summary>
    public static string Validate(string? name, string parameter = "ProjectName")
    {
        if (string.IsNullOrEmpty(name))
        {
            throw ServiceException.Missing(parameter);
        }

        if (!IsValid(name))
        {
            throw ServiceException.InvalidArgument(
                $"The specified {parameter} '{name}' is invalid: use 1 to 128 letters, digits, '_' or '-', starting with a letter or '_'.");
        }

        return name;
    }
}
