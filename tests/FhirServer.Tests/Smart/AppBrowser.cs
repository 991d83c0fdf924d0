using System.Net;
using System.Security.Cryptography;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Tests.Smart;

/// <summary>
/// What a browser does in an authorization: follows the server's redirects with its cookies, reads the HTML pages and
/// submits their forms as they are (hidden fields included), and stops at the app's redirect_uri.
/// </summary>
public sealed class AppBrowser(HttpClient http) : IDisposable
{
    public const string RedirectUri = "https://app.example/callback";

    /// <summary>A page of the server, or the app's redirect_uri the browser was sent to.</summary>
    public sealed record Page(HttpStatusCode Status, IHtmlDocument? Document, Uri? Callback)
    {
        public Dictionary<string, string> Query => Callback is null ? [] :
            QueryHelpers.ParseQuery(Callback.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

        public IHtmlFormElement Form(string containing) =>
            Document!.Forms.FirstOrDefault(f => f.QuerySelector($"[name='{containing}']") is not null)
            ?? throw new AssertionException($"No form with a field {containing} in: {Document!.Body?.TextContent}");

        public string Text => Document?.Body?.TextContent ?? "";
    }

    public HttpClient Http => http;

    public string? AcceptLanguage { get; set; }

    public Task<Page> Open(string url) => Send(new HttpRequestMessage(HttpMethod.Get, url));

    /// <summary>Submits the form holding <paramref name="field"/> with these values (and the button named/valued, if any).</summary>
    public Task<Page> Submit(Page page, string field, Dictionary<string, string>? values = null, (string Name, string Value)? button = null,
        bool withAntiforgery = true)
    {
        var form = page.Form(field);
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll<IHtmlInputElement>("input[name]"))
        {
            if (!withAntiforgery && input.Name == "__RequestVerificationToken") continue;
            var given = values?.TryGetValue(input.Name!, out var v) == true ? v : null;
            if (input.Type == "radio")
            {
                if (given == input.Value || (given is null && input.IsChecked)) fields.Add(new(input.Name!, input.Value));
            }
            else fields.Add(new(input.Name!, given ?? input.Value));
        }
        if (button is { } b) fields.Add(new(b.Name, b.Value));
        var action = form.GetAttribute("action")!;
        return Send(new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) });
    }

    public async Task<Page> Send(HttpRequestMessage request)
    {
        for (var hops = 0; ; hops++)
        {
            if (AcceptLanguage is not null) request.Headers.AcceptLanguage.ParseAdd(AcceptLanguage);
            var response = await http.SendAsync(request);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location && hops < 10)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(http.BaseAddress!, location);
                if (target.Host != http.BaseAddress!.Host) return new Page(response.StatusCode, null, target);
                request = new HttpRequestMessage(HttpMethod.Get, target);
                continue;
            }
            var html = await response.Content.ReadAsStringAsync();
            var document = response.Content.Headers.ContentType?.MediaType == "text/html" ? new HtmlParser().ParseDocument(html) : null;
            return new Page(response.StatusCode, document, null);
        }
    }

    public void Dispose() => http.Dispose();

    /// <summary>A PKCE pair (RFC 7636): the verifier and its S256 challenge.</summary>
    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}
