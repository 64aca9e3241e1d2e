using Microsoft.Extensions.Options;
using Orleans.Media.Grains.Notifications;

namespace Orleans.Media.Grains.Tests.Notifications;

public sealed class NotificationTopicsTests
{
    private static NotificationTopics Topics()
    {
        var options = new NotificationOptions();
        options.Topics["imm-done"] = new NotificationTopicOptions
        {
            Kind = NotificationSinkKind.Webhook, Url = "http://127.0.0.1:1/", Secret = "0123456789abcdef", MaxAttempts = 3,
        };
        return new NotificationTopics(Options.Create(options));
    }

    [Fact]
    public void Configured_topics_exist_and_are_matched_exactly()
    {
        var topics = Topics();

        Assert.True(topics.Exists("imm-done"));
        Assert.False(topics.Exists("IMM-DONE"));
        Assert.False(topics.Exists(""));
        Assert.Equal(3, topics.Get("imm-done").MaxAttempts);
    }

    [Fact]
    public void An_unknown_topic_is_an_invalid_argument_naming_it()
    {
        var e = Assert.Throws<ServiceException>(() => Topics().Get("nope"));

        Assert.Equal("InvalidArgument", e.Code);
        Assert.Equal(400, e.HttpStatus);
        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
    }
}
