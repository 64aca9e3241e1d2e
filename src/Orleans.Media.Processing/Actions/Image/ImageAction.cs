using NetVips;
using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Actions.Image;

/// <summary>
/// The in-process image actions: libvips (NetVips) reads the object through its seekable read stream (ranged reads),
/// processes, and writes into the target's write stream, without temporary files. libvips' work is synchronous
/// and CPU-bound: it runs on the thread pool, off the caller's scheduler, under the same time limit as the tools
/// (<see cref="ProcessingOptions.ToolTimeLimit"/>), enforced through libvips' kill flag.
/// </summary>
public abstract class ImageAction(MediaFiles files) : IMediaAction
{
    private protected MediaFiles Files { get; } = files;

    public abstract string Name { get; }

    public IPreparedAction Prepare(IReadOnlyList<string>? parameters)
    {
        var p = ActionParameters.Parse(Name, parameters);
        var format = p.GetChoice("format", ImageFormats.Names, "f");
        var quality = p.GetInt("quality", 1, 100, "q");
        if (quality is not null && format is not (null or "jpg" or "webp"))
        {
            throw p.Invalid("quality", $"applies to jpg and webp only (not format={format})");
        }
        var operation = Parse(p);
        var output = OutputPattern.From(p, multipleOutputs: false);
        p.EnsureAllUsed();
        return new Prepared(this, operation, format, quality, output);
    }

    /// <summary>
    /// Reads this action's own parameters (format, quality and output are read by the base) and returns the
    /// operation: it loads the image from the stream (positioned at 0) as suits it and returns the result to save.
    /// </summary>
    protected abstract Func<ImageHeader, Stream, NetVips.Image> Parse(ActionParameters parameters);

    private sealed class Prepared(ImageAction action, Func<ImageHeader, Stream, NetVips.Image> operation, string? format, int? quality, OutputPattern output)
        : IPreparedAction
    {
        public string Name => action.Name;

        public async Task<ActionResult> RunAsync(ObjectUri source, CancellationToken cancellationToken = default)
        {
            // The tools' limit: an image that takes libvips longer (a huge enlargement, a pathological file) is
            // stopped like a child process would be killed, instead of holding a thread-pool thread and a core.
            var timeLimit = action.Files.Options.ToolTimeLimit;
            using var limits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limits.CancelAfter(timeLimit);
            try
            {
                return await RunLimitedAsync(source, limits.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (limits.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var reason = $"libvips was stopped after the time limit of {timeLimit} (OrleansMedia:Processing:ToolTimeLimit).";
                throw new ActionFailedException(Name, source.ToString(), reason, new Tools.ToolFailedException(Tools.ToolFailureKind.TimedOut, "libvips", reason, string.Empty, e));
            }
        }

        private async Task<ActionResult> RunLimitedAsync(ObjectUri source, CancellationToken cancellationToken)
        {
            var store = action.Files.Storage.GetBucket(source.Bucket);
            await using var input = await store.OpenReadAsync(source.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
            string outFormat;
            ObjectUri target;
            ObjectInfo info;
            try
            {
                ImageHeader header;
                using (var probe = NetVips.Image.NewFromStream(input, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error))
                {
                    var loader = probe.Contains("vips-loader") ? (string)probe.Get("vips-loader") : null;
                    header = new ImageHeader(probe.Width, probe.Height, loader);
                }

                var maxPixels = action.Files.Options.MaxImagePixels;
                if ((long)header.Width * header.Height > maxPixels)
                {
                    throw new ActionFailedException(Name, source.ToString(),
                        $"the image is {header.Width}x{header.Height} pixels, over the limit of {maxPixels} (OrleansMedia:Processing:MaxImagePixels)");
                }

                outFormat = format ?? ImageFormats.FromLoader(header.Loader) ?? "png";
                target = output.Resolve(source, outFormat, 1);
                if (target == source)
                {
                    throw new ActionFailedException(Name, source.ToString(), "the output would overwrite the source; give another output");
                }

                input.Position = 0;
                await using var write = action.Files.Storage.GetBucket(target.Bucket).OpenWrite(target.Key, new WriteOptions { ContentType = ImageFormats.ContentType(outFormat) });
                await Task.Run(
                    () =>
                    {
                        using var result = operation(header, input);

                        // libvips checks the image's kill flag as it computes: cancellation stops the work itself,
                        // not only the wait for it.
                        result.SetProgress(NoProgress.Instance, cancellationToken);
                        result.WriteToStream(write, ImageFormats.SaveSuffix(outFormat, quality));
                    },
                    cancellationToken).ConfigureAwait(false);
                info = await write.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidObjectKeyException or InvalidDataException)
            {
                throw new ActionFailedException(Name, source.ToString(), e.Message, e);
            }
            catch (VipsException e) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The image action was cancelled.", e, cancellationToken);
            }
            catch (VipsException e)
            {
                throw new ActionFailedException(Name, source.ToString(), "libvips could not process the image: " + FirstLine(e.Message), e);
            }

            return new ActionResult(source, [new ActionOutput(target, info.Size)]);
        }

        private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? text;
    }
}

/// <summary>Progress nobody watches: <see cref="NetVips.Image.SetProgress(IProgress{int}, CancellationToken)"/> is how a token reaches libvips.</summary>
internal sealed class NoProgress : IProgress<int>
{
    public static readonly NoProgress Instance = new();

    public void Report(int value)
    {
    }
}

/// <summary>What libvips read from the header before processing.</summary>
public readonly record struct ImageHeader(int Width, int Height, string? Loader);
