using System.Web;
using Orleans.Media.Storage.Local;

namespace Orleans.Media.Storage.Tests;

public sealed class LocalUrlSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private readonly LocalUrlSigner _signer = new("unit-test-signing-key-0123456789");

    [Fact]
    public void A_put_url_carries_method_expiry_and_signature_and_validates()
    {
        var url = _signer.CreateUrl(new Uri("https://silo.example:8443/base/"), "bkt", new PresignRequest("a b/ü.txt", PresignMethod.Put, Now.AddMinutes(10)));

        Assert.Equal("https://silo.example:8443/base/_objects/bkt/a%20b/%C3%BC.txt", url.GetLeftPart(UriPartial.Path));
        var q = HttpUtility.ParseQueryString(url.Query);
        Assert.Equal("PUT", q["method"]);
        Assert.Equal(Now.AddMinutes(10).ToUnixTimeSeconds().ToString(), q["expires"]);
        Assert.Null(q["uploadId"]);
        Assert.Equal(LocalUrlCheck.Valid, Validate("PUT", "bkt", "a b/ü.txt", q, Now));
    }

    [Fact]
    public void An_upload_part_url_binds_upload_id_and_part_number()
    {
        var url = _signer.CreateUrl(new Uri("http://h/"), "bkt", new PresignRequest("k", PresignMethod.UploadPart, Now.AddMinutes(1), "up1", 7));
        var q = HttpUtility.ParseQueryString(url.Query);

        Assert.Equal(LocalUrlCheck.Valid, Validate("PUT", "bkt", "k", q, Now));
        q["partNumber"] = "8";
        Assert.Equal(LocalUrlCheck.BadSignature, Validate("PUT", "bkt", "k", q, Now));
        q["partNumber"] = "7";
        q["uploadId"] = "up2";
        Assert.Equal(LocalUrlCheck.BadSignature, Validate("PUT", "bkt", "k", q, Now));
        q.Remove("uploadId");
        q.Remove("partNumber");
        Assert.Equal(LocalUrlCheck.BadSignature, Validate("PUT", "bkt", "k", q, Now)); // a part URL is not an object PUT URL
    }

    [Fact]
    public void Expiry_is_checked_after_the_signature()
    {
        var q = HttpUtility.ParseQueryString(_signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.Get, Now)).Query);

        Assert.Equal(LocalUrlCheck.Valid, Validate("GET", "b", "k", q, Now));
        Assert.Equal(LocalUrlCheck.Expired, Validate("GET", "b", "k", q, Now.AddSeconds(1)));
        q["expires"] = Now.AddDays(1).ToUnixTimeSeconds().ToString();
        Assert.Equal(LocalUrlCheck.BadSignature, Validate("GET", "b", "k", q, Now.AddSeconds(1)));
    }

    [Fact]
    public void Every_signed_field_and_the_key_matter()
    {
        var q = HttpUtility.ParseQueryString(_signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.Get, Now.AddMinutes(1))).Query);

        Assert.Equal(LocalUrlCheck.BadSignature, Validate("GET", "b2", "k", q, Now));
        Assert.Equal(LocalUrlCheck.BadSignature, Validate("GET", "b", "k2", q, Now));
        Assert.Equal(LocalUrlCheck.MethodMismatch, Validate("PUT", "b", "k", q, Now));
        Assert.Equal(LocalUrlCheck.Valid, Validate("HEAD", "b", "k", q, Now));
        var other = new LocalUrlSigner("another-signing-key-0123456789");
        Assert.Equal(LocalUrlCheck.BadSignature, other.Validate("GET", "b", "k", q["method"], q["expires"], null, null, q["signature"], Now));
        // Field boundaries are unambiguous: moving characters between bucket and key changes the signature.
        Assert.NotEqual(_signer.Sign("GET", "ab", "c", 1, null, null), _signer.Sign("GET", "a", "bc", 1, null, null));
    }

    [Fact]
    public void A_put_issued_with_a_content_type_is_signed_for_it()
    {
        var md5 = ContentMd5.Of([1, 2, 3]);
        foreach (var bound in new[] { null, md5 })
        {
            var url = _signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.Put, Now.AddMinutes(1), ContentType: "video/mp4", ContentMd5: bound));
            var q = HttpUtility.ParseQueryString(url.Query);
            Assert.Equal("video/mp4", q["contentType"]);

            LocalUrlCheck Check(string? contentType) =>
                _signer.Validate("PUT", "b", "k", q["method"], q["expires"], null, null, q["signature"], Now, q["contentMd5"], contentType);
            Assert.Equal(LocalUrlCheck.Valid, Check("video/mp4"));
            Assert.Equal(LocalUrlCheck.BadSignature, Check("text/html"));
            Assert.Equal(LocalUrlCheck.BadSignature, Check(null));
        }

        // A URL issued without one keeps its signature (URLs issued before the field existed stay valid).
        var plain = HttpUtility.ParseQueryString(_signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.Put, Now.AddMinutes(1))).Query);
        Assert.Equal(_signer.Sign("PUT", "b", "k", Now.AddMinutes(1).ToUnixTimeSeconds(), null, null), plain["signature"]);
        Assert.Equal(LocalUrlCheck.BadSignature, _signer.Validate("PUT", "b", "k", plain["method"], plain["expires"], null, null, plain["signature"], Now, null, "text/html"));
        Assert.Throws<ArgumentException>(() => _signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.Get, Now, ContentType: "text/html")));
    }

    [Theory]
    [InlineData(null, "1", "sig")]
    [InlineData("DELETE", "1", "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("GET", "soon", "0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("GET", "1", null)]
    [InlineData("GET", "1", "short")]
    public void Malformed_parameters_are_refused(string? method, string? expires, string? signature) =>
        Assert.Equal(LocalUrlCheck.Malformed, _signer.Validate("GET", "b", "k", method, expires, null, null, signature, Now));

    [Fact]
    public void Short_keys_and_incomplete_part_requests_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LocalUrlSigner("short"));
        Assert.Throws<ArgumentException>(() => _signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.UploadPart, Now, "u", null)));
        Assert.Throws<ArgumentException>(() => _signer.CreateUrl(new Uri("http://h/"), "b", new PresignRequest("k", PresignMethod.UploadPart, Now, null, 1)));
    }

    private LocalUrlCheck Validate(string httpMethod, string bucket, string key, System.Collections.Specialized.NameValueCollection q, DateTimeOffset now) =>
        _signer.Validate(httpMethod, bucket, key, q["method"], q["expires"], q["uploadId"], q["partNumber"], q["signature"], now);
}
