using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.Media.Silo.Tests.Notifications;

/// <summary>One POST the receiver got, with what it answered and whether the signature checked out.</summary>
public sealed record ReceivedWebhook(
    string? MessageId, string? Timestamp, string? Signature, string? ContentType, byte[] Body, bool SignatureValid, int Answered, DateTimeOffset At);

/// <summary>
/// A real webhook receiver on Kestrel (127.0.0.1, free port). It verifies each request exactly as
/// src/Orleans.Media.Silo/Notifications/README.md tells receivers to — written out here from the recipe rather than
/// by calling the sender's code — and answers what <see cref="Respond"/> says for the n-th request (0-based).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly string _secret;
    private int _count;

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        _secret = secret;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Request index → status code (and optional delay). Default: 200.</summary>
    public Func<int, (int Status, TimeSpan Delay)> Respond { get; set; } = _ => (200, TimeSpan.Zero);

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// <summary>The documented recipe: hex(HMAC-SHA256(secret, timestamp + "." + raw body)) prefixed "v1=", compared in
    /// constant time; timestamp within 5 minutes.</summary>
    public static bool VerifyByRecipe(string secret, string? timestamp, string? signature, byte[] body, DateTimeOffset now)
    {
        if (timestamp is null || signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts))
        {
            return false;
        }
        if (Math.Abs(now.ToUnixTimeSeconds() - ts) > 300)
        {
            return false;
        }
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        var expected = "v1=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)).ToLowerInvariant();
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
    }

    /// <summary>Waits until <paramref name="condition"/> holds over what was received.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Received))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The webhook receiver got {Received.Count} request(s); the expected ones did not arrive within {timeout}.");
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var index = Interlocked.Increment(ref _count) - 1;
        var (status, delay) = Respond(index);
        var headers = http.Request.Headers;
        var timestamp = headers["X-OrleansMedia-Timestamp"].FirstOrDefault();
        var signature = headers["X-OrleansMedia-Signature"].FirstOrDefault();
        _received.Enqueue(new ReceivedWebhook(
            headers["X-OrleansMedia-Message-Id"].FirstOrDefault(), timestamp, signature, http.Request.ContentType, body,
            VerifyByRecipe(_secret, timestamp, signature, body, DateTimeOffset.UtcNow), status, DateTimeOffset.UtcNow));
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        http.Response.StatusCode = status;
    }
}
