using System.Security.Cryptography;

namespace Orleans.Media.Silo.Api.Imm;

/// <summary>Identifiers in the vendor's shapes.</summary>
public static class TaskIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>
    /// <c>&lt;type&gt;-&lt;uuid&gt;</c> as the vendor's, with a version-7 UUID: its text starts with the creation time in
    /// milliseconds, so task ids sort by creation and every index keyed by the id (the task's state row, its listing
    /// row and the listing indexes ending in the id) grows at its right edge. With random ids each new task touched
    /// a random leaf page of eight B-trees: PostgreSQL spent about half again as much CPU per listing row (pgbench).
    /// </summary>
    public static string NewTaskId(string taskType) => $"{taskType}-{Guid.CreateVersion7()}";

    /// <summary>Like the vendor's <c>0ED-1Bz8z71k5TtsUejT4UJ16Es</c>: three hex digits, a dash, 24 base-62 characters.</summary>
    public static string NewEventId() =>
        Convert.ToHexString(RandomNumberGenerator.GetBytes(2))[..3] + "-" +
        RandomNumberGenerator.GetString(Base62, 24);
}
