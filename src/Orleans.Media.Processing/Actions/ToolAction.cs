using Microsoft.Extensions.Options;
using Orleans.Media.Processing.Tools;
using Orleans.Media.Storage;

namespace Orleans.Media.Processing.Actions;

/// <summary>What the actions that run child processes share.</summary>
public sealed class ActionRuntime(MediaFiles files, ToolRunner runner, ScratchSpace scratch, IOptions<ProcessingOptions> options)
{
    public MediaFiles Files => files;

    public ToolRunner Runner => runner;

    public ScratchSpace Scratch => scratch;

    public ProcessingOptions Options => options.Value;
}

/// <summary>The tool runs for one object: their arguments, given the input file and the output folder.</summary>
public sealed record ToolPlan(IReadOnlyList<(string Executable, IReadOnlyList<string> Arguments)> Runs, string Extension, string ContentType)
{
    /// <summary>Checks the produced files (sorted by name); returns a reason when they are not what was asked.</summary>
    public Func<IReadOnlyList<string>, string?>? CheckOutputs { get; init; }

    /// <summary>Extra environment for every run.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
}

/// <summary>
/// An action carried out by a child process (ffmpeg, LibreOffice): each object gets a clean run folder, the input is
/// read in place (local folders) or copied there, the tool writes into <c>out/</c> under the run's limits, and every
/// file it wrote becomes an output object named by the output pattern (<c>{index}</c> in file-name order). The folder
/// goes whatever the outcome.
/// </summary>
public abstract class ToolAction(ActionRuntime runtime) : IMediaAction
{
    public abstract string Name { get; }

    /// <summary>Whether one object can give several outputs (the output pattern then needs <c>{index}</c>).</summary>
    protected virtual bool MultipleOutputs => false;

    protected ActionRuntime Runtime => runtime;

    public IPreparedAction Prepare(IReadOnlyList<string>? parameters)
    {
        var p = ActionParameters.Parse(Name, parameters);
        var build = Parse(p);
        var output = OutputPattern.From(p, MultipleOutputs);
        p.EnsureAllUsed();
        return new Prepared(this, build, output);
    }

    /// <summary>Reads and checks the parameters; returns how to build the runs for one input.</summary>
    protected abstract Func<string, string, ToolPlan> Parse(ActionParameters parameters);

    private sealed class Prepared(ToolAction action, Func<string, string, ToolPlan> build, OutputPattern output) : IPreparedAction
    {
        public string Name => action.Name;

        public async Task<ActionResult> RunAsync(ObjectUri source, CancellationToken cancellationToken = default)
        {
            var runtime = action.Runtime;
            using var folder = runtime.Scratch.Create(Name.Replace('/', '-'));
            string input;
            try
            {
                input = await runtime.Files.LocalPathAsync(source, folder, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw new ActionFailedException(Name, source.ToString(), e.Message, e);
            }

            var outDir = folder.Sub("out");
            var plan = build(input, outDir);
            var lastTail = string.Empty;
            foreach (var (exe, args) in plan.Runs)
            {
                try
                {
                    var result = await runtime.Runner.RunAsync(
                        new ToolRun(exe, args, folder.Path) { OutputDirectory = outDir, Environment = plan.Environment },
                        cancellationToken).ConfigureAwait(false);
                    lastTail = (result.StandardErrorTail + " " + result.StandardOutput).Trim();
                }
                catch (ToolFailedException e)
                {
                    throw new ActionFailedException(Name, source.ToString(), e.Message, e);
                }
            }

            var produced = Directory.GetFiles(outDir).Order(StringComparer.Ordinal).ToList();
            if (produced.Count == 0)
            {
                throw new ActionFailedException(Name, source.ToString(), $"the tool produced no output. {lastTail}".Trim());
            }

            if (plan.CheckOutputs?.Invoke(produced) is { } problem)
            {
                throw new ActionFailedException(Name, source.ToString(), problem);
            }

            var outputs = new List<ActionOutput>(produced.Count);
            for (var i = 0; i < produced.Count; i++)
            {
                try
                {
                    var target = output.Resolve(source, plan.Extension, i + 1);
                    if (target == source)
                    {
                        throw new ActionFailedException(Name, source.ToString(), "the output would overwrite the source; give another output");
                    }

                    outputs.Add(await runtime.Files.UploadAsync(produced[i], target, plan.ContentType, cancellationToken).ConfigureAwait(false));
                }
                catch (InvalidObjectKeyException e)
                {
                    throw new ActionFailedException(Name, source.ToString(), e.Message, e);
                }
            }

            return new ActionResult(source, outputs);
        }
    }
}
