using Orleans.Media.Bench;

var scenarios = typeof(IBenchScenario).Assembly.GetTypes()
    .Where(t => typeof(IBenchScenario).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchScenario)Activator.CreateInstance(t)!)
    .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var scenario))
{
    Console.Error.WriteLine($"usage: deploy/bench.sh <{string.Join('|', scenarios.Keys.Order())}> [args]");
    return 2;
}

var workDir = Environment.GetEnvironmentVariable("ORLEANSMEDIA_BENCH_DIR") ?? Path.Combine(Path.GetTempPath(), "orleans-media-bench", scenario.Name);
Directory.CreateDirectory(workDir);
await scenario.RunAsync(new BenchReport(scenario.Name), workDir, args[1..], CancellationToken.None);
return 0;
