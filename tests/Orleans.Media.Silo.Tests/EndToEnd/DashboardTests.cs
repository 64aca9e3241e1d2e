using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using Orleans.Media.Testing;
using Xunit.Abstractions;

namespace Orleans.Media.Silo.Tests.EndToEnd;

/// <summary>
/// The Orleans dashboard of a real silo process: nothing under <c>/dashboard</c> (page or JSON) answers without an
/// admin key; with one, a browser (Debian's Chromium driven by Playwright) shows the cluster's silos; a browser on
/// the root URL is sent to it, while an API client there keeps the vendor's error.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DashboardTests(PostgresSiloFixture silo, ITestOutputHelper output) : IClassFixture<PostgresSiloFixture>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Dashboard_and_its_data_answer_401_without_the_admin_key_and_200_with_it()
    {
        using var http = new HttpClient { BaseAddress = silo.Silo.BaseAddress };
        foreach (var path in new[] { "/dashboard", "/dashboard/", "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/version" })
        {
            using var anonymous = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // A wrong secret, and a valid key that is not an admin key, are refused too.
        var limited = await CreateLimitedKeyAsync();
        foreach (var (id, secret) in new[] { (silo.Credentials.AccessKeyId, "wrong-secret"), limited })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters") { Headers = { Authorization = Basic(id, secret) } };
            using var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var admin = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters") { Headers = { Authorization = Basic(silo.Credentials.AccessKeyId, silo.Credentials.AccessKeySecret) } };
        using var allowed = await http.SendAsync(admin);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("\"hosts\"", await allowed.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // The root URL: a browser is redirected, an API client gets the vendor's error, not a page.
        using var browser = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("text/html") } } };
        using var redirected = await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = silo.Silo.BaseAddress }.SendAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/dashboard/", redirected.Headers.Location?.ToString());
        using var api = await http.GetAsync("/");
        Assert.NotEqual(HttpStatusCode.Redirect, api.StatusCode);
        Assert.Contains("\"Code\"", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_with_the_admin_key_sees_the_silos_on_the_dashboard()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: deploy/test-env.sh installs Debian's chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox"],
        });

        // Without credentials the page is refused (Chromium then shows its own credentials error, not the dashboard).
        var anonymous = await browser.NewPageAsync();
        var refused = await anonymous.APIRequest.GetAsync(new Uri(silo.Silo.BaseAddress, "/dashboard/").ToString());
        Assert.Equal(401, refused.Status);
        await Assert.ThrowsAsync<PlaywrightException>(() => anonymous.GotoAsync(new Uri(silo.Silo.BaseAddress, "/dashboard/").ToString()));

        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = silo.Credentials.AccessKeyId, Password = silo.Credentials.AccessKeySecret },
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(silo.Silo.BaseAddress.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 60_000 });
        Assert.Equal(200, response!.Status);
        Assert.EndsWith("/dashboard/", page.Url, StringComparison.Ordinal);

        // The silos page lists this silo once the dashboard has polled the cluster.
        await page.GotoAsync(new Uri(silo.Silo.BaseAddress, "/dashboard/#/silos").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 60_000 });
        await page.GetByText("pg-1").Or(page.GetByText("127.0.0.1")).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var screenshot = Path.Combine(Path.GetTempPath(), $"orleans-media-dashboard-{Guid.NewGuid():N}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"dashboard screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 10_000);
    }

    private static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(id + ":" + secret)));

    /// <summary>A key allowed imm:* on one project only, created through the admin REST API.</summary>
    private async Task<(string Id, string Secret)> CreateLimitedKeyAsync()
    {
        using var rest = NotifyingSiloFixture.RestClient(silo.Silo.BaseAddress, silo.Credentials);
        using var response = await rest.PostAsync("/api/v1/admin/access-keys",
            new StringContent("{\"Permissions\":[\"imm:*@project/dash-*\"]}", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("AccessKeyId").GetString()!, json.RootElement.GetProperty("AccessKeySecret").GetString()!);
    }
}
