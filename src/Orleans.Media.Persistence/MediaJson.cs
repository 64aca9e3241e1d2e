using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.Media.Persistence;

/// <summary>
/// The JSON settings of what the project stores as JSON (the grain index): property names as declared
/// (PascalCase), enums as strings. State queries name properties the same way.
/// </summary>
public static class MediaJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            Converters = { new JsonStringEnumConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
