namespace Orleans.Media.Processing.Probing;

public enum MediaKind
{
    Other,
    Video,
    Audio,
    Image,
}

/// <summary>
/// What GetMediaInfo reports about one object. <see cref="Problem"/> is set when no media facts could be read: for an
/// unknown format (<see cref="MediaKind.Other"/>, size and type only) or a damaged file (the kind its name, type or
/// first bytes suggested), with the tool's own words.
/// </summary>
public sealed record MediaInfo(
    MediaKind Kind,
    long Size,
    string? ContentType,
    string? FormatName,
    double? Duration,
    long? Bitrate,
    int? Width,
    int? Height,
    IReadOnlyList<MediaStreamInfo> Streams,
    string? Problem);

/// <summary>One stream ffprobe found: <see cref="Type"/> is video, audio, subtitle or data.</summary>
public sealed record MediaStreamInfo(
    int Index,
    string Type,
    string? Codec,
    double? Fps,
    int? SampleRate,
    int? Channels,
    int? Width,
    int? Height,
    long? Bitrate,
    double? Duration);
