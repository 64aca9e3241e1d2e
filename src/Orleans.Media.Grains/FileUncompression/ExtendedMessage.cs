using System.Globalization;
using System.Text.Json;
using Orleans.Media.Archives;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// The detail file a task writes to <c>Notification.ExtendedMessageURI</c>, in the vendor's shape: every value a
/// string, one <c>ArchiveFiles</c> item per entry with the reason it was refused (empty when it was written).
/// </summary>
public static class ExtendedMessage
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static byte[] Build(string? password, bool isEncrypted, IEnumerable<ExtractedEntry> entries)
    {
        var document = new Dictionary<string, object>
        {
            ["Password"] = password ?? "",
            ["IsEncryption"] = isEncrypted ? "true" : "false",
            ["ArchiveFiles"] = entries.Select(e => new Dictionary<string, string>
            {
                ["URI"] = e.Uri ?? "",
                // The vendor writes paths relative to the archive root as "./x"; a refused absolute name stays as it was.
                ["PathName"] = e.PathName.StartsWith('/') ? e.PathName : "./" + e.PathName,
                ["Reason"] = e.Reason,
                ["IsFolder"] = e.IsFolder ? "true" : "false",
                ["PackedSize"] = e.PackedSize.ToString(CultureInfo.InvariantCulture),
                ["UnPackedSize"] = e.UnPackedSize.ToString(CultureInfo.InvariantCulture),
                ["FileAccessTime"] = e.FileAccessTime?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "",
            }).ToList(),
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, Json);
    }
}
