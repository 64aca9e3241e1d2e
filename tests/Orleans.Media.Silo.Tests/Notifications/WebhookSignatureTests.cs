using System.Text;
using Orleans.Media.Silo.Notifications;

namespace Orleans.Media.Silo.Tests.Notifications;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec-vector-0123456789";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"abc\",\"source\":\"acs.imm\"}");
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void The_signature_matches_an_independently_computed_vector()
    {
        // python3: hmac.new(secret, b"1700000000." + body, hashlib.sha256).hexdigest()
        Assert.Equal("v1=e0cd8c2e6904ca3dd942e90b7ab7707c8ceb6c23967d1ea38f07c9aa19c4cffc",
            WebhookSignature.Compute(Secret, 1_700_000_000, Body));
    }

    [Fact]
    public void Verify_accepts_the_signature_within_the_tolerance_only()
    {
        var signature = WebhookSignature.Compute(Secret, 1_700_000_000, Body);
        var tolerance = TimeSpan.FromMinutes(5);

        Assert.True(WebhookSignature.Verify(Secret, "1700000000", signature, Body, SignedAt.AddMinutes(4), tolerance));
        Assert.False(WebhookSignature.Verify(Secret, "1700000000", signature, Body, SignedAt.AddMinutes(6), tolerance));
        Assert.False(WebhookSignature.Verify(Secret, "1700000001", signature, Body, SignedAt, tolerance));
        Assert.False(WebhookSignature.Verify(Secret, "1700000000", signature, Encoding.UTF8.GetBytes("{\"id\":\"abd\",\"source\":\"acs.imm\"}"), SignedAt, tolerance));
        Assert.False(WebhookSignature.Verify("whsec-other-0123456789", "1700000000", signature, Body, SignedAt, tolerance));
        Assert.False(WebhookSignature.Verify(Secret, "-1700000000", signature, Body, SignedAt, tolerance));
        Assert.False(WebhookSignature.Verify(Secret, null, signature, Body, SignedAt, tolerance));
        Assert.False(WebhookSignature.Verify(Secret, "1700000000", null, Body, SignedAt, tolerance));
        Assert.False(WebhookSignature.Verify(Secret, "1700000000", signature.ToUpperInvariant(), Body, SignedAt, tolerance));
    }
}
