using System.Text.Json;

namespace Orleans.Media.Runtime;

/// <summary>An event in the global log. <paramref name="Position"/> increases in commit order as readers see it:
/// a reader never misses an event by advancing past it.</summary>
public sealed record StreamEvent(long Position, StreamId Stream, string Type, JsonElement Payload, GrainId? Source, DateTimeOffset Timestamp)
{
    public T GetPayload<T>() => Payload.Deserialize<T>(RuntimeJson.Options)!;
}
