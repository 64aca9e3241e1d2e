namespace Orleans.Media.Grains.Tasks;

/// <summary>IMM task statuses, spelled as the vendor spells them on the wire.</summary>
public static class TaskStatus
{
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static readonly IReadOnlyList<string> All = [Running, Succeeded, Failed];

    public static bool IsFinal(string status) => status is Succeeded or Failed;
}
