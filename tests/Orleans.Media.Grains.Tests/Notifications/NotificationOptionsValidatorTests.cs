using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Grains.Tests.Notifications;

public sealed class NotificationOptionsValidatorTests
{
    private static NotificationTopicOptions Webhook() =>
        new() { Kind = NotificationSinkKind.Webhook, Url = "https://hooks.example.com/imm", Secret = "0123456789abcdef", MaxAttempts = 5 };

    private static NotificationTopicOptions Amqp() =>
        new() { Kind = NotificationSinkKind.Amqp, Uri = "amqp://guest:guest@127.0.0.1:5672/", Exchange = "imm", RoutingKey = "tasks" };

    private static IReadOnlyList<string> Errors(params (string Name, NotificationTopicOptions Topic)[] topics)
    {
        var options = new NotificationOptions();
        foreach (var (name, topic) in topics)
        {
            options.Topics[name] = topic;
        }
        var result = new NotificationOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures!.ToList() : [];
    }

    [Theory]
    [InlineData("cn-hangzhou", "1234567890", true)]
    [InlineData("", "1", false)]
    [InlineData("cn:hangzhou", "1", false)]
    [InlineData("cn-hangzhou", "12 34", false)]
    public void Region_and_account_must_fit_in_the_colon_separated_subject(string region, string account, bool valid)
    {
        var result = new NotificationOptionsValidator().Validate(null, new NotificationOptions { RegionId = region, AccountId = account });
        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void Valid_webhook_and_amqp_topics_pass()
    {
        Assert.Empty(Errors(("hook", Webhook()), ("mq", Amqp())));
        Assert.Empty(Errors(("queue", new NotificationTopicOptions { Kind = NotificationSinkKind.Amqp, Uri = "amqps://h/", Exchange = "", RoutingKey = "q" })));
    }

    [Theory]
    [InlineData("ftp://example.com/x", "Url")]
    [InlineData("/relative", "Url")]
    [InlineData(null, "Url")]
    public void A_webhook_needs_an_absolute_http_url(string? url, string field)
    {
        var topic = Webhook();
        topic.Url = url;
        Assert.Contains(Errors(("hook", topic)), e => e.Contains("Topics:hook:" + field, StringComparison.Ordinal));
    }

    [Fact]
    public void A_webhook_needs_a_secret_of_16_characters()
    {
        var topic = Webhook();
        topic.Secret = "short";
        Assert.Contains(Errors(("hook", topic)), e => e.Contains("Secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void MaxAttempts_is_bounded(int attempts)
    {
        var topic = Webhook();
        topic.MaxAttempts = attempts;
        Assert.Contains(Errors(("hook", topic)), e => e.Contains("MaxAttempts", StringComparison.Ordinal));
    }

    [Fact]
    public void Timeout_is_bounded()
    {
        var topic = Amqp();
        topic.TimeoutSeconds = 0;
        Assert.Contains(Errors(("mq", topic)), e => e.Contains("TimeoutSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Amqp_needs_an_amqp_uri_an_exchange_and_a_queue_name_for_the_default_exchange()
    {
        var badUri = Amqp();
        badUri.Uri = "http://127.0.0.1:5672/";
        var noExchange = Amqp();
        noExchange.Exchange = null;
        var defaultExchangeNoKey = Amqp();
        defaultExchangeNoKey.Exchange = "";
        defaultExchangeNoKey.RoutingKey = null;

        Assert.Contains(Errors(("a", badUri)), e => e.Contains("Topics:a:Uri", StringComparison.Ordinal));
        Assert.Contains(Errors(("b", noExchange)), e => e.Contains("Topics:b:Exchange", StringComparison.Ordinal));
        Assert.Contains(Errors(("c", defaultExchangeNoKey)), e => e.Contains("Topics:c:RoutingKey", StringComparison.Ordinal));
    }
}
