using System.Globalization;
using System.Net.Http.Headers;
using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Silo.Notifications;

/// <summary>
/// POSTs the envelope to the topic's URL with the message id, timestamp and signature headers. A 2xx answer within
/// the timeout is a delivery; anything else fails the attempt (the delivery job retries).
/// </summary>
public sealed class WebhookSink(string topic, NotificationTopicOptions options, IHttpClientFactory httpClients, TimeProvider time) : INotificationSink
{
    public const string HttpClientName = "OrleansMedia.Notifications.Webhook";

    private readonly Uri _url = new(options.Url!, UriKind.Absolute);
    private readonly string _secret = options.Secret!;
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);

    public async Task DeliverAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var body = NotificationJson.Serialize(message);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _url)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.MessageIdHeader, message.Id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Compute(_secret, timestamp, body));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"Webhook of topic {topic} did not answer within {_timeout.TotalSeconds:0} s.");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException(
                    $"Webhook of topic {topic} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
            }
        }
    }
}
