namespace Orleans.Media.Processing.Actions.Video;

/// <summary>The containers and codecs the ffmpeg actions offer, by the vendor's short names, with ffmpeg's names.</summary>
internal static class FfmpegCodecs
{
    public sealed record Container(string Muxer, string Extension, string ContentType, string DefaultVideo, string DefaultAudio, string[] Video, string[] Audio);

    public static readonly IReadOnlyDictionary<string, Container> Containers = new Dictionary<string, Container>(StringComparer.Ordinal)
    {
        ["mp4"] = new("mp4", "mp4", "video/mp4", "h264", "aac", ["h264", "h265", "mpeg4", "copy"], ["aac", "mp3", "copy", "none"]),
        ["mov"] = new("mov", "mov", "video/quicktime", "h264", "aac", ["h264", "h265", "mpeg4", "copy"], ["aac", "mp3", "copy", "none"]),
        ["mkv"] = new("matroska", "mkv", "video/x-matroska", "h264", "aac", ["h264", "h265", "vp9", "mpeg4", "copy"], ["aac", "mp3", "opus", "vorbis", "flac", "copy", "none"]),
        ["webm"] = new("webm", "webm", "video/webm", "vp9", "opus", ["vp9"], ["opus", "vorbis", "none"]),
        ["ts"] = new("mpegts", "ts", "video/mp2t", "h264", "aac", ["h264", "h265", "mpeg4", "copy"], ["aac", "mp3", "copy", "none"]),
        ["flv"] = new("flv", "flv", "video/x-flv", "h264", "aac", ["h264", "copy"], ["aac", "mp3", "copy", "none"]),
    };

    public static readonly string[] AllVideo = ["h264", "h265", "vp9", "mpeg4", "copy"];

    public static readonly string[] AllAudio = ["aac", "mp3", "opus", "vorbis", "flac", "copy", "none"];

    /// <summary>
    /// The demuxers ffmpeg and ffprobe may choose for an object (<c>-format_whitelist</c>): containers, elementary
    /// streams and images that hold their media in themselves. An object is a user's file, and ffmpeg chooses by content,
    /// not by name: an <c>x.mp4</c> holding an HLS playlist would otherwise make ffmpeg open the files and URLs it lists
    /// (another bucket's objects, the metadata service through a presigned URL's http). Left out for that reason: hls,
    /// dash, concat, imf, sdp/rtp/rtsp, image2 (a numbered sequence of sibling files), vobsub, svg and the devices.
    /// </summary>
    public const string InputFormats =
        "mov,matroska,avi,flv,live_flv,mpegts,mpeg,mxf,asf,rm,nut,ogg,ivf,dv,gxf,wtv,m4v,h264,hevc,mpegvideo,obu,av1," +
        "vc1,mjpeg,yuv4mpegpipe,mp3,aac,ac3,eac3,dts,dtshd,truehd,mlp,wav,w64,aiff,caf,flac,wv,ape,tta,tak,mpc,mpc8," +
        "amr,amrnb,amrwb,au,voc,xwma,dsf,loas,spdif,shn,gsm,oma,qcp,gif,apng,bmp_pipe,jpeg_pipe,png_pipe,webp_pipe," +
        "tiff_pipe";

    /// <summary>An ffmpeg input: <paramref name="input"/> read with one of <see cref="InputFormats"/> only.</summary>
    public static string[] Input(string input) => ["-format_whitelist", InputFormats, "-i", input];

    public static readonly int[] SampleRates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 96000];

    private static readonly int[] Mp3Rates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

    private static readonly int[] OpusRates = [8000, 12000, 16000, 24000, 48000];

    /// <summary>
    /// Refuses a sample rate or channel count the encoder of <paramref name="codec"/> (the vendor's name) cannot take,
    /// so the batch fails when it is created rather than on every file: libmp3lame takes up to 48 kHz and two
    /// channels, libopus 8-48 kHz in five steps and no 3- or 4-channel layout.
    /// </summary>
    public static void CheckAudio(ActionParameters p, string codec, int? ar, int? ac)
    {
        var rates = codec switch
        {
            "mp3" => Mp3Rates,
            "opus" => OpusRates,
            _ => SampleRates,
        };
        if (ar is { } rate && !rates.Contains(rate))
        {
            throw p.Invalid("ar", $"must be one of {string.Join(", ", rates)} for {codec}");
        }

        if (ac is { } channels && codec switch { "mp3" => channels > 2, "opus" => channels is 3 or 4, _ => false })
        {
            throw p.Invalid("ac", codec == "mp3" ? "must be 1 or 2 for mp3" : "cannot be 3 or 4 for opus (its encoder has no layout for them)");
        }
    }

    public static string VideoEncoder(string codec) => codec switch
    {
        "h264" => "libx264",
        "h265" => "libx265",
        "vp9" => "libvpx-vp9",
        _ => codec,
    };

    public static string AudioEncoder(string codec) => codec switch
    {
        "mp3" => "libmp3lame",
        "opus" => "libopus",
        "vorbis" => "libvorbis",
        _ => codec,
    };

    /// <summary>Seconds from the vendor's milliseconds, as ffmpeg reads them.</summary>
    public static string Seconds(long milliseconds) =>
        (milliseconds / 1000.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
