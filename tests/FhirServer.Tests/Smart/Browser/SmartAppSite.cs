using System.Net;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FhirServer.Tests.Smart.Browser;

/// <summary>
/// The web site of a SMART app on a free port of 127.0.0.1, another origin than the FHIR server's (so the app's calls
/// to it are cross-origin, as an app's are): <c>smart-app/launch.html</c>, <c>smart-app/index.html</c> and fhirclient's
/// browser build, <c>node_modules/fhirclient/build/fhir-client.js</c> (npm <c>fhirclient</c> of the folder's lock file).
/// </summary>
internal sealed class SmartAppSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SmartAppSite(WebApplication app, Uri origin)
    {
        _app = app;
        Origin = origin;
    }

    public static string Folder => Path.Combine(TestData.RepositoryRoot, "tests", "FhirServer.Tests", "Smart", "Browser", "smart-app");

    /// <summary>The site's address, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Origin { get; }

    /// <summary>The app's launch page: the EHR launch URL of its client.</summary>
    public Uri LaunchPage => new(Origin, "launch.html");

    /// <summary>The app's page after the authorization: its redirect_uri.</summary>
    public Uri RedirectPage => new(Origin, "index.html");

    public static async Task<SmartAppSite> StartAsync()
    {
        // Only what the browser needs; optional and peer dependencies (React Native and Expo shims) are not.
        await NpmPackages.EnsureInstalledAsync(Folder, "fhirclient", "--omit=optional", "--omit=peer");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Folder });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        Serve(app, "/launch.html", Path.Combine(Folder, "launch.html"), "text/html; charset=utf-8");
        Serve(app, "/index.html", Path.Combine(Folder, "index.html"), "text/html; charset=utf-8");
        Serve(app, "/fhir-client.js", Path.Combine(Folder, "node_modules", "fhirclient", "build", "fhir-client.js"), "text/javascript; charset=utf-8");
        await app.StartAsync();
        return new SmartAppSite(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void Serve(WebApplication app, string path, string file, string contentType) =>
        app.MapGet(path, (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            return Results.File(file, contentType);
        });
}
