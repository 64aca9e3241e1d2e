namespace Orleans.Media.Runtime.Tests.Grains;

/// <summary>"echo": returns its payload.</summary>
public sealed class EchoJobHandler(IClusterMembership membership) : IJobHandler
{
    public Task<object?> ExecuteAsync(JobContext context)
    {
        var payload = context.GetPayload<string>();
        JobProbe.Record(payload, $"run:{membership.LocalSiloName}:{context.Attempt}");
        return Task.FromResult<object?>(payload);
    }
}

/// <summary>"fail": always throws.</summary>
public sealed class FailingJobHandler : IJobHandler
{
    public Task<object?> ExecuteAsync(JobContext context)
    {
        JobProbe.Record(context.GetPayload<string>(), $"attempt:{context.Attempt}");
        throw new InvalidOperationException("handler fails on purpose");
    }
}

/// <summary>"steps": payload "probe:steps:stepMs"; resumes after its checkpoint, saving one per step.</summary>
public sealed class StepsJobHandler(IClusterMembership membership) : IJobHandler
{
    public async Task<object?> ExecuteAsync(JobContext context)
    {
        var parts = context.GetPayload<string>().Split(':');
        var (probe, steps, stepMs) = (parts[0], int.Parse(parts[1]), int.Parse(parts[2]));
        var from = context.Checkpoint is { } cp ? int.Parse(cp) : 0;
        JobProbe.Record(probe, $"start:{membership.LocalSiloName}:{context.Attempt}:{from}");
        for (var step = from + 1; step <= steps; step++)
        {
            await Task.Delay(stepMs, context.CancellationToken);
            await context.SaveCheckpointAsync(step.ToString());
            JobProbe.Record(probe, $"step:{membership.LocalSiloName}:{step}");
        }

        return $"done:{steps}";
    }
}

/// <summary>"slow": payload "probe:ms"; records its start (partition) and holds for ms, or until its gate opens when ms is -1.</summary>
public sealed class SlowJobHandler(IClusterMembership membership) : IJobHandler
{
    public async Task<object?> ExecuteAsync(JobContext context)
    {
        var parts = context.GetPayload<string>().Split(':');
        var probe = parts[0];
        var ms = int.Parse(parts[1]);
        JobProbe.Record(probe, $"start:{context.Partition}:{membership.LocalSiloName}:{context.JobId}");
        try
        {
            if (ms < 0)
            {
                await JobProbe.Gate(probe).Task.WaitAsync(context.CancellationToken);
            }
            else
            {
                await Task.Delay(ms, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            JobProbe.Record(probe, $"cancelled:{context.Partition}:{membership.LocalSiloName}:{context.JobId}");
            throw;
        }

        JobProbe.Record(probe, $"end:{context.Partition}:{context.JobId}");
        return "slow";
    }
}
