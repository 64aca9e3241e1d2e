using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.Media.Runtime;

/// <summary>
/// The JSON settings of everything the runtime stores (grain state, job payloads and results, stream payloads):
/// property names as declared (PascalCase), enums as strings. State queries name properties the same way.
/// </summary>
public static class RuntimeJson
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
