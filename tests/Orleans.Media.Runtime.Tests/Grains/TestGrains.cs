namespace Orleans.Media.Runtime.Tests.Grains;

public static class TestGrains
{
    /// <summary>Registers the test grains and job handlers on a silo.</summary>
    public static void Register(GrainRuntimeBuilder runtime) =>
        runtime.AddGrainsFromAssembly(typeof(TestGrains).Assembly)
            .AddJobHandler<EchoJobHandler>("echo")
            .AddJobHandler<FailingJobHandler>("fail")
            .AddJobHandler<StepsJobHandler>("steps")
            .AddJobHandler<SlowJobHandler>("slow");
}
