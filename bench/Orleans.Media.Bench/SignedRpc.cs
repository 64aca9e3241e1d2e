using System.Globalization;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Bench;

/// <summary>Alibaba RPC requests (IMM <c>2020-09-30</c>) signed with V2 (HMAC-SHA1), as <c>@alicloud/pop-core</c>
/// sends them: every call has its own nonce and the current timestamp.</summary>
public sealed class SignedRpc(string accessKeyId, string accessKeySecret, string project)
{
    /// <summary>The <c>GET</c> path and query of one signed call.</summary>
    public string Path(string action, params (string Name, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = "2020-09-30",
            ["Format"] = "JSON",
            ["AccessKeyId"] = accessKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = Guid.NewGuid().ToString("N"),
            ["Timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["ProjectName"] = project,
        };
        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        parameters["Signature"] = AlibabaV2Signature.Compute(accessKeySecret, "GET", parameters);
        return "/?" + string.Join('&', parameters.Select(p => Rfc3986.Encode(p.Key) + "=" + Rfc3986.Encode(p.Value)));
    }

    public HttpRequestMessage Request(string action, params (string Name, string Value)[] extra) => new(HttpMethod.Get, Path(action, extra));
}
