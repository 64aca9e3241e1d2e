using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Media.Storage.Uploads;

namespace Orleans.Media.Storage.Tests;

/// <summary>
/// AssumeRole with a one-key session policy. No real STS can run here (no MinIO server is packaged, and AWS is out
/// of reach), so a small local endpoint speaks STS's AssumeRole answer and records what the SDK sent.
/// </summary>
public sealed class UploadCredentialIssuerTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(IFormCollection Form, string? Authorization)> _requests = new();
    private WebApplication _sts = null!;
    private string _stsUrl = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _sts = builder.Build();
        _sts.MapPost("/", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            _requests.Enqueue((form, context.Request.Headers.Authorization));
            return Results.Text(
                """
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleResult>
                    <AssumedRoleUser><Arn>arn:aws:sts::minio:assumed-role/upload/s</Arn><AssumedRoleId>AROA1:s</AssumedRoleId></AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>ASIATEMPORARY</AccessKeyId>
                      <SecretAccessKey>temporary-secret</SecretAccessKey>
                      <SessionToken>temporary-token</SessionToken>
                      <Expiration>2030-01-02T03:04:05Z</Expiration>
                    </Credentials>
                  </AssumeRoleResult>
                  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
                </AssumeRoleResponse>
                """,
                "text/xml");
        });
        await _sts.StartAsync();
        _stsUrl = _sts.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync() => await _sts.DisposeAsync();

    [Fact]
    public async Task AssumeRole_carries_a_session_policy_that_allows_writing_one_key_only()
    {
        var issuer = Issuer(sts: _stsUrl);

        var credentials = await issuer.IssueAsync("media", "uploads/a*b?.mp4", TimeSpan.FromMinutes(50));

        Assert.NotNull(credentials);
        Assert.Equal("ASIATEMPORARY", credentials.AccessKeyId);
        Assert.Equal("temporary-token", credentials.SessionToken);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), credentials.Expiration);
        Assert.DoesNotContain("temporary-secret", credentials.ToString());

        var (form, authorization) = Assert.Single(_requests);
        Assert.Equal("AssumeRole", form["Action"]);
        Assert.Equal("3000", form["DurationSeconds"]);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=bucket-key/", authorization);
        using var policy = JsonDocument.Parse(form["Policy"].ToString());
        var statement = Assert.Single(policy.RootElement.GetProperty("Statement").EnumerateArray());
        Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
        var resource = Assert.Single(statement.GetProperty("Resource").EnumerateArray());
        // The key's * and ? are literal, not wildcards that would open other keys.
        Assert.Equal("arn:aws:s3:::media/uploads/a${*}b${?}.mp4", resource.GetString());
        var actions = statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()).ToHashSet();
        Assert.Contains("s3:PutObject", actions);
        Assert.DoesNotContain(actions, a => a is "s3:*" or "s3:GetObject" or "s3:DeleteObject" or "s3:ListBucket");
    }

    [Fact]
    public async Task A_bucket_without_sts_issues_none_and_makes_no_request()
    {
        var issuer = Issuer(sts: null);

        Assert.False(issuer.CanIssue("media"));
        Assert.Null(await issuer.IssueAsync("media", "k", TimeSpan.FromMinutes(50)));
        Assert.Empty(_requests);
    }

    private static UploadCredentialIssuer Issuer(string? sts)
    {
        var options = new ObjectStorageOptions();
        options.Buckets["media"] = new BucketOptions
        {
            Kind = BucketKind.S3,
            ServiceUrl = "http://127.0.0.1:9",
            AccessKey = "bucket-key",
            SecretKey = "bucket-secret",
            StsEndpoint = sts,
        };
        return new UploadCredentialIssuer(Options.Create(options), TimeProvider.System);
    }
}
