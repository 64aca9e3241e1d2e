using System.Net;
using Orleans.Media.Processing.Ingestion;

namespace Orleans.Media.Processing.Tests;

/// <summary>The SSRF guard's address judgement (pure logic; the connect callback's use of it is in UrlIngestionTests).</summary>
public sealed class AddressPolicyTests
{
    private static readonly AddressPolicy Default = new([]);

    [Theory]
    [InlineData("64:ff9b::8.8.8.8")] // well-known NAT64 prefix, public IPv4 embedded
    [InlineData("64:ff9b::808:808")] // the same written in hex
    [InlineData("64:ff9b::1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2001:4860:4860::8888")]
    public void A_public_address_is_allowed_also_behind_the_well_known_nat64_prefix(string address) =>
        Assert.True(Default.IsAllowed(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("64:ff9b::127.0.0.1")]
    [InlineData("64:ff9b::10.1.2.3")]
    [InlineData("64:ff9b::172.16.0.1")]
    [InlineData("64:ff9b::192.168.1.1")]
    [InlineData("64:ff9b::169.254.169.254")] // the metadata service behind the translator
    [InlineData("64:ff9b::100.100.100.200")] // Alibaba's metadata (CGNAT range)
    [InlineData("64:ff9b::0.0.0.0")]
    [InlineData("64:ff9b::224.0.0.1")]
    [InlineData("64:ff9b::255.255.255.255")]
    [InlineData("64:ff9b::192.0.2.1")] // documentation
    [InlineData("64:ff9b:1::8.8.8.8")] // local-use NAT64 (RFC 8215): refused whatever it embeds
    [InlineData("64:ff9b:1::a9fe:a9fe")]
    [InlineData("64:ff9b:1:ffff::1")]
    public void An_internal_address_behind_a_nat64_prefix_is_refused(string address) =>
        Assert.False(Default.IsAllowed(IPAddress.Parse(address)), address);

    [Fact]
    public void Only_the_96_bit_well_known_prefix_embeds_an_address()
    {
        // 64:ff9b::1:0:0/96's neighbours outside the prefix are not NAT64 and are judged as IPv6 (global unicast space).
        Assert.True(Default.IsAllowed(IPAddress.Parse("64:ff9b::1:8.8.8.8")));
        Assert.False(Default.IsAllowed(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.False(Default.IsAllowed(IPAddress.Parse("::127.0.0.1")));
    }

    [Fact]
    public void An_allow_listed_ipv4_network_admits_its_addresses_behind_the_well_known_prefix()
    {
        var policy = new AddressPolicy([IPNetwork.Parse("10.1.0.0/16")]);

        Assert.True(policy.IsAllowed(IPAddress.Parse("64:ff9b::10.1.2.3")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("64:ff9b::10.2.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("64:ff9b:1::10.1.2.3")));
    }
}
