using Microsoft.Extensions.Logging;

namespace Orleans.Media.Silo.Security;

/// <summary>Security events. Key ids only — never a secret, a signature or a token.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Refused a request signed with unknown access key {AccessKeyId}")]
    public static partial void UnknownKey(ILogger logger, string accessKeyId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Refused a request signed with revoked access key {AccessKeyId}")]
    public static partial void InactiveKey(ILogger logger, string accessKeyId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Refused a replayed request (nonce reused) for access key {AccessKeyId}")]
    public static partial void Replay(ILogger logger, string accessKeyId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Created access key {AccessKeyId} with permissions {Permissions}")]
    public static partial void KeyCreated(ILogger logger, string accessKeyId, string permissions);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Revoked access key {AccessKeyId}")]
    public static partial void KeyRevoked(ILogger logger, string accessKeyId);
}
