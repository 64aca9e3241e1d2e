using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Orleans.Dashboard;
using Orleans.Media.Grains.AccessKeys;
using Orleans.Media.Silo.Protocols;
using Orleans.Media.Silo.Security;

namespace Orleans.Media.Silo.Hosting;

/// <summary>
/// The Orleans dashboard at <c>/dashboard</c>, behind the admin access key: the dashboard has no authentication of
/// its own, so every request under <c>/dashboard</c> (its page and its JSON) must carry an admin key — HTTP Basic
/// with the AccessKeyId and AccessKeySecret (what a browser prompts for), or the REST API's Bearer token / V3
/// signature. A browser opening the silo's root URL is sent there; API clients keep the vendor error they get.
/// </summary>
public static class DashboardApi
{
    public const string Path = "/dashboard";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(Path), branch => branch.Use(async (http, next) =>
        {
            if (await IsAdminAsync(http))
            {
                await next(http);
                return;
            }

            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans.Media dashboard: AccessKeyId and AccessKeySecret of an admin key\", charset=\"UTF-8\"";
            await http.Response.WriteAsync("The dashboard needs an admin access key.");
        }));

        // A person's browser on the root URL (no API parameters, asking for HTML) goes to the dashboard.
        app.Use(async (http, next) =>
        {
            if (http.Request.Path == "/" && HttpMethods.IsGet(http.Request.Method) && http.Request.QueryString.Value is null or "" &&
                http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
            {
                http.Response.Redirect(Path + "/");
                return;
            }

            await next(http);
        });

        app.MapOrleansDashboard(routePrefix: Path);
        return app;
    }

    private static async Task<bool> IsAdminAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (AuthenticationHeaderValue.TryParse(header, out var auth) && auth.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            string text;
            try
            {
                text = Encoding.UTF8.GetString(Convert.FromBase64String(auth.Parameter ?? ""));
            }
            catch (FormatException)
            {
                return false;
            }

            var colon = text.IndexOf(':');
            if (colon <= 0)
            {
                return false;
            }

            var key = await http.RequestServices.GetRequiredService<AccessKeyResolver>().GetAsync(text[..colon], http.RequestAborted);
            return key is { Status: AccessKeyStatus.Active } &&
                   CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key.Secret), Encoding.UTF8.GetBytes(text[(colon + 1)..])) &&
                   key.Permissions.Any(p => p.Action == "*" && p.Resource == "*");
        }

        if (header.Length == 0)
        {
            return false;
        }

        try
        {
            var principal = await http.RequestServices.GetRequiredService<IApiAuthenticator>().AuthenticateAsync(
                new ApiAuthenticationRequest(ApiProtocol.Rest, http.Request, ReadOnlyMemory<byte>.Empty, new Dictionary<string, string>()), http.RequestAborted);
            return principal.IsAdmin;
        }
        catch (Orleans.Media.Grains.ServiceException)
        {
            return false;
        }
    }
}
