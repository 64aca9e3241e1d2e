using Microsoft.Extensions.Logging;

namespace Orleans.Media.Archives;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Extracting a {Format} archive of {Size} bytes, {Entries} entries planned, into {Target}")]
    public static partial void Started(ILogger logger, ArchiveFormat format, long size, int entries, string target);

    [LoggerMessage(2, LogLevel.Information, "Extraction into {Target} finished: {Written} entries written, {Refused} refused, {Bytes} bytes")]
    public static partial void Finished(ILogger logger, string target, int written, int refused, long bytes);

    [LoggerMessage(3, LogLevel.Warning, "Extraction into {Target} stopped: {Error}")]
    public static partial void Stopped(ILogger logger, string target, ArchiveError error);

    [LoggerMessage(5, LogLevel.Information, "Decoding {Entries} zip entries on {Threads} threads into {Target}")]
    public static partial void ParallelZip(ILogger logger, int entries, int threads, string target);

    [LoggerMessage(6, LogLevel.Debug, "Decoding the 7z's folders with a 7zz child reading {Archive}")]
    public static partial void SevenZipTool(ILogger logger, string archive);

    [LoggerMessage(7, LogLevel.Warning, "7zz was given up before its output was used; liblzma decoded instead: {Reason}")]
    public static partial void SevenZipToolFailed(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Entry {Index} '{Path}' refused: {Code} {Reason}")]
    public static partial void Refused(ILogger logger, int index, string path, ArchiveErrorCode code, string reason);
}
