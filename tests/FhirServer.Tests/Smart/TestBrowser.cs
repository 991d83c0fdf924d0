using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirServer.Tests.Smart;

/// <summary>A page the browser ended on: its address, status and HTML.</summary>
internal sealed record BrowserPage(Uri Uri, HttpStatusCode Status, string Body, HttpResponseMessage Response);

/// <summary>
/// A browser for flows across two sites: the in-memory test server (<c>http://localhost</c>) and a provider on the
/// network (127.0.0.1). Each keeps its own cookies, as a browser keeps them per site; redirects are followed one by one
/// and every address visited is kept in <see cref="Visited"/>. No JavaScript: forms are submitted as they are written.
/// </summary>
internal sealed partial class TestBrowser : IDisposable
{
    private readonly HttpClient _server;
    private readonly HttpClient _network;

    public TestBrowser(WebApplicationFactory<Program> factory, string? acceptLanguage = null)
    {
        _server = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        _network = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() });
        foreach (var client in new[] { _server, _network })
            if (acceptLanguage is not null) client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
    }

    public List<Uri> Visited { get; } = [];

    /// <summary>Goes to <paramref name="url"/> and follows redirects until a page, or until <paramref name="stopAt"/> says to stop before one.</summary>
    public async Task<BrowserPage> GoAsync(string url, Func<Uri, bool>? stopAt = null) =>
        await FollowAsync(new Uri(_server.BaseAddress!, url), new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress!, url)), stopAt);

    /// <summary>Fills the first form of <paramref name="page"/> with <paramref name="fields"/> and submits it (POST, url-encoded).</summary>
    public async Task<BrowserPage> SubmitAsync(BrowserPage page, Dictionary<string, string> fields, Func<Uri, bool>? stopAt = null)
    {
        var form = FormAction().Match(page.Body);
        Assert.That(form.Success, Is.True, $"no form on {page.Uri}: {page.Body}");
        var action = new Uri(page.Uri, WebUtility.HtmlDecode(form.Groups[1].Value));
        var request = new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) };
        return await FollowAsync(action, request, stopAt);
    }

    public void Dispose()
    {
        _server.Dispose();
        _network.Dispose();
    }

    private async Task<BrowserPage> FollowAsync(Uri uri, HttpRequestMessage request, Func<Uri, bool>? stopAt)
    {
        for (var hops = 0; hops < 20; hops++)
        {
            Visited.Add(uri);
            var response = await ClientFor(uri).SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode is < 300 or >= 400 || response.Headers.Location is null)
                return new BrowserPage(uri, response.StatusCode, body, response);
            var next = new Uri(uri, response.Headers.Location);
            if (stopAt?.Invoke(next) == true) return new BrowserPage(next, response.StatusCode, body, response);
            uri = next;
            request = new HttpRequestMessage(HttpMethod.Get, uri);
        }
        Assert.Fail("More than 20 redirects: " + string.Join(" → ", Visited));
        return null!;
    }

    private HttpClient ClientFor(Uri uri) => uri.Authority == _server.BaseAddress!.Authority ? _server : _network;

    [GeneratedRegex("<form[^>]*action=\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex FormAction();
}
