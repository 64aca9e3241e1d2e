using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Media.Archives;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Persistence;
using Orleans.Media.Storage;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// One task's extraction: streams the archive from object storage through the archive engine into the target,
/// reporting progress and checkpoints as it goes (a resumed attempt skips what is done), writes the detail file,
/// and returns the result the task ends with. Storage failures throw (the task retries from its checkpoint);
/// the archive's own faults end the task.
/// </summary>
public sealed partial class FileUncompressionWork(ObjectArchiveExtractor extractor, IObjectStorage storage, ILogger<FileUncompressionWork> logger)
{
    public async Task<FileUncompressionResult> RunAsync(
        string taskId, FileUncompressionRequest request, ProjectLimits limits, string? checkpoint, int attempt,
        ExtractionReporter reporter, CancellationToken ct)
    {
        var source = ObjectUri.Parse(request.SourceURI);
        var target = ObjectUri.Parse(request.TargetURI);
        if (!storage.HasBucket(source.Bucket) || await storage.GetBucket(source.Bucket).HeadAsync(source.Key, ct) is null)
        {
            return Failed(FileUncompressionCodes.SourceNotFound, $"The source {request.SourceURI} does not exist.");
        }

        var resume = checkpoint is { } saved ? JsonSerializer.Deserialize<ExtractionCheckpoint>(saved, MediaJson.Options) : null;
        var options = new ExtractionOptions
        {
            Passphrases = request.Password is { Length: > 0 } p ? [p] : [],
            SelectedPaths = request.SelectedFiles,
            Limits = ToArchiveLimits(limits),
            ResumeFrom = resume,
            Progress = reporter.OnProgress,
            Checkpoint = reporter.OnCheckpoint,

            // Fresh checkpoints in memory every few entries; the task saves at most one per checkpoint interval, so
            // a crash redoes at most a few entries' work instead of up to a hundred.
            CheckpointEveryEntries = 5,
        };

        LogStarting(logger, taskId, attempt, resume?.Count ?? 0);
        ExtractionResult result;
        try
        {
            result = await extractor.ExtractAsync(source, target, options, ct);
        }
        catch (ArchiveException e) when (!FileUncompressionCodes.IsTransient(e.Code))
        {
            return Failed(FileUncompressionCodes.For(e.Code), e.Error.ToString());
        }

        // The final checkpoint first: a failure from here on re-runs nothing but the detail file.
        reporter.OnCheckpoint(result.Checkpoint);
        if (result.Error is { } error && FileUncompressionCodes.IsTransient(error.Code))
        {
            throw new IOException($"Extraction of {request.SourceURI} stopped on a storage error; it resumes from its checkpoint: {error}");
        }

        if (request.Notification?.ExtendedMessageURI is { Length: > 0 } detailUri)
        {
            var detail = ObjectUri.Parse(detailUri);
            using var body = new MemoryStream(ExtendedMessage.Build(request.Password, result.IsEncrypted, result.Entries));
            await storage.GetBucket(detail.Bucket).PutAsync(detail.Key, body, ct);
        }

        var refused = result.Entries.Count(e => !e.Succeeded);
        var (code, message) = Outcome(result);
        LogEnded(logger, taskId, result.Entries.Count - refused, refused, code ?? "none");
        return new FileUncompressionResult
        {
            Succeeded = code is null,
            Code = code,
            Message = message,
            FilesWritten = result.Entries.Count(e => e.Succeeded && !e.IsFolder),
            FilesRefused = refused,
            BytesWritten = result.BytesWritten,
            IsEncrypted = result.IsEncrypted,
        };
    }

    /// <summary>
    /// The task's code and message. Entries the password could not open (none given, wrong, or an encryption the
    /// engine cannot decrypt) fail the task with that code, like an archive-level password error: the caller asked
    /// for the archive's content and did not get it. Other refused entries (unsafe names, links) leave the task
    /// Succeeded, and the message names each of them with its reason (the detail file has them all).
    /// </summary>
    public static (string? Code, string? Message) Outcome(ExtractionResult result)
    {
        if (result.Error is { } error)
        {
            return (FileUncompressionCodes.For(error.Code), error.ToString());
        }

        if (result.PasswordProblem is { } password)
        {
            var entry = result.Entries.First(e => e.Code == password);
            return (FileUncompressionCodes.For(password), $"{entry.PathName}: {entry.Reason}");
        }

        var refused = result.Entries.Where(e => !e.Succeeded).ToList();
        if (refused.Count == 0)
        {
            return (null, null);
        }

        const int Named = 20;
        var names = string.Join("; ", refused.Take(Named).Select(e => $"{e.PathName}: {e.Reason}"));
        var more = refused.Count > Named ? $"; and {refused.Count - Named} more" : "";
        return (null, $"{refused.Count} entries refused: {names}{more}");
    }

    public static ArchiveLimits ToArchiveLimits(ProjectLimits limits) => new()
    {
        MaxEntries = limits.MaxFilesPerArchive,
        MaxZipBytes = limits.MaxZipRarBytes,
        MaxRarBytes = limits.MaxZipRarBytes,
        MaxSevenZipBytes = limits.Max7zBytes,
    };

    private static FileUncompressionResult Failed(string code, string message) =>
        new() { Succeeded = false, Code = code, Message = message };

    [LoggerMessage(Level = LogLevel.Information, Message = "Extracting task {TaskId}, attempt {Attempt}, resuming after {Done} entries")]
    private static partial void LogStarting(ILogger logger, string taskId, int attempt, int done);

    [LoggerMessage(Level = LogLevel.Information, Message = "Extraction of task {TaskId} ended: {Written} entries written, {Refused} refused, error {Error}")]
    private static partial void LogEnded(ILogger logger, string taskId, int written, int refused, string error);
}
