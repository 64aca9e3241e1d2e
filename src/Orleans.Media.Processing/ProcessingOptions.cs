using System.ComponentModel.DataAnnotations;

namespace Orleans.Media.Processing;

/// <summary>The media data plane's configuration, section <c>OrleansMedia:Processing</c>.</summary>
public sealed class ProcessingOptions
{
    public const string SectionName = "OrleansMedia:Processing";

    /// <summary>Debian's ffmpeg (also found on PATH by name).</summary>
    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>LibreOffice's launcher; every conversion gets its own profile directory.</summary>
    [Required]
    public string SofficePath { get; set; } = "soffice";

    /// <summary>Where each run gets its own clean folder (removed after the run, whatever its outcome).</summary>
    [Required]
    public string ScratchRoot { get; set; } = Path.Combine(Path.GetTempPath(), "orleans-media-processing");

    /// <summary>
    /// A child process running longer is killed (with its process tree) and the run fails; an in-process image action
    /// (libvips) running longer is stopped through libvips' kill flag and fails the same way (TimedOut).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ToolTimeLimit { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A run whose files in its folder grow past this is killed and fails.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxOutputBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>The largest object copied into a run folder for a tool that cannot read it where it is.</summary>
    [Range(1L, long.MaxValue)]
    public long MaxInputBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>
    /// The most pixels (width × height, from the header) an image action takes in: a small file can declare a huge
    /// image, and some operations and formats (GIF, a crop of a non-streaming format) hold it whole in memory. 16,384²
    /// by default, the largest side the actions write.
    /// </summary>
    [Range(1L, long.MaxValue)]
    public long MaxImagePixels { get; set; } = 16_384L * 16_384;

    /// <summary>ffprobe's time limit (it reads headers, not the whole file).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProbeTimeLimit { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Lines of a failed tool's stderr kept as the failure reason.</summary>
    [Range(1, 1000)]
    public int StderrTailLines { get; set; } = 20;
}
