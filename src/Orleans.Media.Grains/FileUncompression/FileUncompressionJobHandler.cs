using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Media.Archives;
using Orleans.Media.Grains.Projects;
using Orleans.Media.Runtime;
using Orleans.Media.Storage;

namespace Orleans.Media.Grains.FileUncompression;

/// <summary>
/// Runs one task's extraction on a worker silo: streams the archive from object storage through the archive
/// engine into the target, saves a checkpoint and reports progress as it goes (a re-run after a crash skips what
/// is done), writes the detail file, and returns the result the task grain ends with.
/// Storage failures throw (the runtime retries from the checkpoint); the archive's own faults end the task.
/// </summary>
public sealed partial class FileUncompressionJobHandler(
    ObjectArchiveExtractor extractor,
    IObjectStorage storage,
    IGrainFactory grains,
    ILogger<FileUncompressionJobHandler> logger) : IJobHandler
{
    /// <summary>How often progress and checkpoints are pushed to the store while an extraction runs.</summary>
    public static TimeSpan ReportInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public async Task<object?> ExecuteAsync(JobContext context)
    {
        var job = context.GetPayload<FileUncompressionJob>();
        var request = job.Request;
        var ct = context.CancellationToken;
        var source = ObjectUri.Parse(request.SourceURI);
        var target = ObjectUri.Parse(request.TargetURI);
        if (!storage.HasBucket(source.Bucket) || await storage.GetBucket(source.Bucket).HeadAsync(source.Key, ct) is null)
        {
            return Failed(FileUncompressionCodes.SourceNotFound, $"The source {request.SourceURI} does not exist.");
        }

        var resume = context.Checkpoint is { } saved ? JsonSerializer.Deserialize<ExtractionCheckpoint>(saved, RuntimeJson.Options) : null;
        var reporter = new ExtractionReporter();
        var options = new ExtractionOptions
        {
            Passphrases = request.Password is { Length: > 0 } p ? [p] : [],
            SelectedPaths = request.SelectedFiles,
            Limits = ToArchiveLimits(job.Limits),
            ResumeFrom = resume,
            Progress = reporter.OnProgress,
            Checkpoint = reporter.OnCheckpoint,

            // Fresh checkpoints in memory every few entries; the pump writes at most one per ReportInterval, so a
            // crash redoes at most a few entries' work instead of up to a hundred.
            CheckpointEveryEntries = 5,
        };

        LogStarting(logger, job.TaskId, context.Attempt, resume?.Count ?? 0);
        var task = grains.GetGrain<IFileUncompressionTaskGrain>(job.TaskId);
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pump = PumpAsync(reporter, context, task, reporting.Token);
        ExtractionResult result;
        try
        {
            result = await extractor.ExtractAsync(source, target, options, ct);
        }
        catch (ArchiveException e) when (!FileUncompressionCodes.IsTransient(e.Code))
        {
            return Failed(FileUncompressionCodes.For(e.Code), e.Error.ToString());
        }
        finally
        {
            await reporting.CancelAsync();
            await pump;
        }

        // Final checkpoint first: a crash from here on re-runs nothing but the detail file.
        await context.SaveCheckpointAsync(JsonSerializer.Serialize(result.Checkpoint, RuntimeJson.Options));
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
        LogEnded(logger, job.TaskId, result.Entries.Count - refused, refused, code ?? "none");
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

    /// <summary>Pushes the latest progress to the task grain and the latest checkpoint to the job, at most every <see cref="ReportInterval"/>.</summary>
    private static async Task PumpAsync(ExtractionReporter reporter, JobContext context, IFileUncompressionTaskGrain task, CancellationToken ct)
    {
        var lastProgress = -1;
        ExtractionCheckpoint? lastCheckpoint = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ReportInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (reporter.Checkpoint is { } checkpoint && !ReferenceEquals(checkpoint, lastCheckpoint))
                {
                    await context.SaveCheckpointAsync(JsonSerializer.Serialize(checkpoint, RuntimeJson.Options));
                    lastCheckpoint = checkpoint;
                }

                if (reporter.Percent is var percent && percent > lastProgress)
                {
                    await task.ReportProgress(percent);
                    lastProgress = percent;
                }
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Extracting task {TaskId}, attempt {Attempt}, resuming after {Done} entries")]
    private static partial void LogStarting(ILogger logger, string taskId, int attempt, int done);

    [LoggerMessage(Level = LogLevel.Information, Message = "Extraction of task {TaskId} ended: {Written} entries written, {Refused} refused, error {Error}")]
    private static partial void LogEnded(ILogger logger, string taskId, int written, int refused, string error);
}
