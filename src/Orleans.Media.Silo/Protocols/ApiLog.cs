using Microsoft.Extensions.Logging;

namespace Orleans.Media.Silo.Protocols;

/// <summary>The protocol layer's log events. Never log parameters wholesale: they may hold passwords.</summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error,
        Message = "Request {RequestId} ({Protocol} {Action}) failed with an unexpected error")]
    public static partial void Unexpected(ILogger logger, Exception exception, string requestId, ApiProtocol protocol, string action);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug,
        Message = "Request {RequestId} ({Protocol} {Action}) refused: {Code} {Status}")]
    public static partial void Refused(ILogger logger, string requestId, ApiProtocol protocol, string action, string code, int status);
}
