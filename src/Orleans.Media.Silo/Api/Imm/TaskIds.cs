using System.Security.Cryptography;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>Identifiers in the vendor's shapes.</summary>
public static class TaskIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewTaskId(string taskType) => $"{taskType}-{Guid.NewGuid()}";

    /// <summary>Like the vendor's <c>0ED-1Bz8z71k5TtsUejT4UJ16Es</c>: three hex digits, a dash, 24 base-62 characters.</summary>
    public static string NewEventId() =>
        Convert.ToHexString(RandomNumberGenerator.GetBytes(2))[..3] + "-" +
        RandomNumberGenerator.GetString(Base62, 24);
}
