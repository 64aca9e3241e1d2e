using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Tests.Security;

/// <summary>
/// Signatures computed by the vendors' own npm SDKs (Clients/vectors.js: @alicloud/pop-core 1.8.0,
/// @alicloud/openapi-util via openapi-client 0.4.15, @huaweicloud/huaweicloud-sdk-core 3.1.211), pinned here.
/// Inputs include a space, '*', '~', non-ASCII and an astral-plane character, and a secret with '/', '+', '=', '~', '*'.
/// </summary>
public sealed class SignatureVectorTests
{
    private const string Secret = "testSecret/with+symbols=~*";

    private static Dictionary<string, string> V2Parameters() => new()
    {
        ["AccessKeyId"] = "OMAKTESTVECTOR0000001",
        ["Action"] = "GetProject",
        ["Format"] = "JSON",
        ["ProjectName"] = "my project*~é",
        ["SignatureMethod"] = "HMAC-SHA1",
        ["SignatureNonce"] = "nonce-0001",
        ["SignatureVersion"] = "1.0",
        ["Timestamp"] = "2026-11-21T16:00:00Z",
        ["UserData"] = "{\"a\":\"b c\",\"emoji\":\"😀\"}",
        ["Version"] = "2020-09-30",
    };

    [Fact]
    public void V2_get_matches_pop_core() =>
        Assert.Equal("A1M92F8mXbsAmbwlivasx7Ri6Xg=", AlibabaV2Signature.Compute(Secret, "GET", V2Parameters()));

    [Fact]
    public void V2_post_matches_pop_core() =>
        Assert.Equal("O/LGyk6aIdj7I18bAjGxaiqGO24=", AlibabaV2Signature.Compute(Secret, "POST", V2Parameters()));

    [Fact]
    public void V2_ignores_the_signature_parameter_itself()
    {
        var parameters = V2Parameters();
        parameters["Signature"] = "anything";
        Assert.Equal("A1M92F8mXbsAmbwlivasx7Ri6Xg=", AlibabaV2Signature.Compute(Secret, "GET", parameters));
    }

    [Fact]
    public void V2_string_to_sign_encodes_the_canonical_query_again()
    {
        var stringToSign = AlibabaV2Signature.StringToSign("GET", new Dictionary<string, string> { ["A"] = "x y", ["B"] = "*~" });
        // Canonical "A=x%20y&B=%2A~", then encoded once more as a whole.
        Assert.Equal("GET&%2F&A%3Dx%2520y%26B%3D%252A~", stringToSign);
    }

    [Fact]
    public void V3_matches_openapi_util()
    {
        var headers = new Dictionary<string, string>
        {
            ["host"] = "127.0.0.1:8080",
            ["x-acs-action"] = "GetProject",
            ["x-acs-version"] = "2020-09-30",
            ["x-acs-date"] = "2026-11-21T16:00:00Z",
            ["x-acs-signature-nonce"] = "nonce-0002",
            ["x-acs-content-sha256"] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        };
        var canonical = AlibabaV3Signature.CanonicalRequest(
            "POST",
            "/",
            AlibabaV3Signature.CanonicalQuery(new Dictionary<string, string> { ["ProjectName"] = "my project*~é", ["UserData"] = "{\"a\":\"b c\"}" }),
            AlibabaV3Signature.CanonicalHeaders(headers.Keys, n => [headers[n]]),
            headers.Keys,
            AlibabaV3Signature.HexSha256([]));
        Assert.Equal("f92d7cec5c0c12b34e5e35439d0016ebe50b7858b5c95118a2ffb52e8bb3491c", AlibabaV3Signature.Compute(Secret, canonical));
    }

    [Fact]
    public void V3_parses_the_sdk_authorization_header()
    {
        Assert.True(AlibabaV3Signature.TryParseAuthorization(
            "ACS3-HMAC-SHA256 Credential=OMAKTESTVECTOR0000001,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=f92d7cec",
            out var id, out var signed, out var signature));
        Assert.Equal("OMAKTESTVECTOR0000001", id);
        Assert.Equal(6, signed.Length);
        Assert.Equal("f92d7cec", signature);
        Assert.False(AlibabaV3Signature.TryParseAuthorization("ACS3-HMAC-SHA256 Credential=x", out _, out _, out _));
        Assert.False(AlibabaV3Signature.TryParseAuthorization("Bearer abc", out _, out _, out _));
    }

    [Fact]
    public void Huawei_matches_sdk_core_signer()
    {
        var body = "{\"file_name\":\"clip é.mp4\",\"file_multipart_count\":2}"u8.ToArray();
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = "application/json",
            ["host"] = "127.0.0.1:8080",
            ["x-sdk-date"] = "20261121T160000Z",
        };
        var canonical = HuaweiSignature.CanonicalRequest(
            "POST",
            HuaweiSignature.CanonicalUri("/v1/proj-1/large-files"),
            HuaweiSignature.CanonicalQuery(new Dictionary<string, string> { ["b"] = "x y", ["a"] = "*~" }),
            HuaweiSignature.CanonicalHeaders(headers.Keys, n => headers[n]),
            headers.Keys,
            AlibabaV3Signature.HexSha256(body));
        Assert.Equal("824d5e40fc59b64a99ea99f4b2e567f951c47f6f5fc282e15449a0f756b17920", HuaweiSignature.Compute(Secret, "20261121T160000Z", canonical));
    }

    [Fact]
    public void Huawei_canonical_uri_always_ends_with_a_slash_and_encodes_segments()
    {
        Assert.Equal("/v1/p/large-files/", HuaweiSignature.CanonicalUri("/v1/p/large-files"));
        Assert.Equal("/v1/p/", HuaweiSignature.CanonicalUri("/v1/p/"));
        Assert.Equal("/v1/a%20b/%C3%A9/", HuaweiSignature.CanonicalUri("/v1/a b/é"));
    }
}
