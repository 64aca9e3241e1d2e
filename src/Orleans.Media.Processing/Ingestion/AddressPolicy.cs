using System.Net;
using System.Net.Sockets;

namespace Orleans.Media.Processing.Ingestion;

/// <summary>
/// Which addresses a pull may connect to: public unicast only, unless an allow-listed network holds the address.
/// Refused: loopback, private (RFC 1918, unique-local), link-local (and with it the 169.254.169.254 metadata
/// service), shared/CGNAT (Alibaba's metadata at 100.100.100.200), multicast, broadcast, unspecified, reserved and
/// documentation ranges, the local-use NAT64 prefix <c>64:ff9b:1::/48</c> (whose embedding is the operator's choice);
/// IPv4-mapped IPv6 and the well-known NAT64 prefix <c>64:ff9b::/96</c> (RFC 6052: the IPv4 address in the last 32
/// bits, reached through the translator) are judged as their IPv4 address.
/// </summary>
public sealed class AddressPolicy(IEnumerable<IPNetwork> allowed)
{
    private static readonly IPNetwork[] Internal =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/96"), // unspecified, loopback, IPv4-compatible (::a.b.c.d)
        IPNetwork.Parse("64:ff9b:1::/48"), // local-use NAT64: an IPv4 address of any kind behind a translator
        IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>The well-known NAT64 prefix: an IPv6-only host reaches IPv4 address a.b.c.d as 64:ff9b::a.b.c.d.</summary>
    private static readonly IPNetwork Nat64WellKnown = IPNetwork.Parse("64:ff9b::/96");

    private readonly IPNetwork[] _allowed = allowed.ToArray();

    public static AddressPolicy From(UrlIngestionOptions options) => new(options.AllowedNetworks.Select(IPNetwork.Parse));

    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64WellKnown.Contains(address))
        {
            // The translator connects to the embedded IPv4 address: that address is what the pull reaches.
            address = new IPAddress(address.GetAddressBytes().AsSpan(12, 4));
        }

        if (_allowed.Any(n => n.Contains(address)))
        {
            return true;
        }

        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 &&
               !Internal.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
    }
}

/// <summary>A connection refused by the SSRF guard (never retried).</summary>
public sealed class ForbiddenAddressException(string host, IPAddress address)
    : IOException($"'{host}' resolves to {address}, an address pulls may not reach (loopback, private, link-local, metadata or otherwise internal).")
{
    public string Host { get; } = host;

    public IPAddress Address { get; } = address;
}
