using Orleans.Media.Silo.Hosting;
using Orleans.Media.Silo.Security;

// Settings files live beside the binary; the working directory only anchors relative paths such as ./data.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddOrleansMediaSilo();
var app = builder.Build();

// `keys create|list|revoke|token …` manages access keys against the configured store, then exits.
if (AccessKeyCommand.IsKeysCommand(args))
{
    return await AccessKeyCommand.RunAsync(args, app.Services, Console.Out, Console.Error, CancellationToken.None);
}

app.MapOrleansMediaSilo();
await app.StartAsync();
await AccessKeyBootstrap.EnsureAdminKeyAsync(app.Services, app.Services.GetRequiredService<DataDirectory>().CredentialsFile, CancellationToken.None);
await app.WaitForShutdownAsync();
return 0;
