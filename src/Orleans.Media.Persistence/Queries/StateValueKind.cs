namespace Orleans.Media.Persistence;

/// <summary>How a state property compares when ordering.</summary>
public enum StateValueKind
{
    Text,
    Number,

    /// <summary>ISO-8601 timestamps (as System.Text.Json writes DateTimeOffset).</summary>
    Time,
}
