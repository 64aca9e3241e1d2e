using Microsoft.Extensions.Logging;

namespace Orleans.Media.Silo.Events;

internal static partial class EventsLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Event stream {Stream} opened by {AccessKeyId} after position {After}")]
    public static partial void Opened(ILogger logger, string stream, string accessKeyId, string? after);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Event stream {Stream} closed after position {Last} ({Count} events sent)")]
    public static partial void Closed(ILogger logger, string stream, string? last, long count);
}
