using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Security;

// Settings files live beside the binary; the working directory only anchors relative paths such as ./data.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var keysCommand = AccessKeyCommand.IsKeysCommand(args);
if (keysCommand)
{
    // The verb runs as a short-lived api-only member of the cluster: it claims no jobs and listens on no fixed port.
    builder.Configuration["OrleansMedia:Roles"] = "api";
    builder.Configuration["urls"] = "http://127.0.0.1:0";
    builder.Configuration["OrleansMedia:SiloPort"] = "0";
    builder.Configuration["OrleansMedia:GatewayPort"] = "0";

    // Standard output carries the verb's answer (JSON) alone; logs go to standard error.
    builder.Logging.ClearProviders();
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

    // An embedded silo running on this data directory owns its store: act through its admin API.
    if (await AccessKeyCommand.TryRunThroughRunningSiloAsync(args, builder.Configuration, Console.Out, Console.Error, CancellationToken.None) is { } exit)
    {
        return exit;
    }
}

try
{
    return await RunAsync(builder, args, keysCommand);
}
catch (Exception e) when (SiloStartRefusedException.Find(e) is { } refused)
{
    // What the operator must change, without a stack trace.
    await Console.Error.WriteLineAsync($"The silo did not start: {refused.Message}");
    return 2;
}

static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args, bool keysCommand)
{
    builder.AddOrleansMediaSilo();
    var app = builder.Build();

    // `keys create|list|revoke|token …` manages access keys against the configured store, then exits.
    if (keysCommand)
    {
        await app.StartAsync();
        var exitCode = await AccessKeyCommand.RunAsync(args, app.Services, Console.Out, Console.Error, CancellationToken.None);
        await app.StopAsync();
        return exitCode;
    }

    app.MapOrleansMediaSilo();
    await app.StartAsync();
    await AccessKeyBootstrap.EnsureAdminKeyAsync(app.Services, app.Services.GetRequiredService<DataDirectory>().CredentialsFile, CancellationToken.None);
    await app.WaitForShutdownAsync();
    return 0;
}
