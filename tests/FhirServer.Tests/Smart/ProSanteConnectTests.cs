using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Rest;
using FhirServer.Smart;
using FhirServer.Tests.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Practitioners signing in through Pro Santé Connect, against a real OpenID Connect provider standing in for PSC
/// (<see cref="PscProvider"/>, with PSC's scopes, claims and acr), driven by a browser without JavaScript: the
/// Practitioner carrying the national id becomes the signed-in user's fhirUser; everything else is refused with a page.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ProSanteConnectTests(string store)
{
    internal const string ClientId = "fhir-server";
    internal const string ClientSecret = "a-client-secret-registered-with-psc";
    internal const string Callback = "http://localhost/auth/psc/callback";

    private PscProvider _provider = null!;
    private ServerFactory _factory = null!;

    // PSC's claims as its userinfo endpoint gives them; "sub" is PSC's own id of the account, not the IdNatPS.
    internal static object Account(string sub, string idNatPs, string given, string family, string? acr = null, bool forgeNonce = false) => new
    {
        sub,
        acr = acr ?? "eidas1",
        forgeNonce,
        claims = new Dictionary<string, object>
        {
            ["SubjectNameID"] = idNatPs,
            ["preferred_username"] = idNatPs,
            ["given_name"] = given,
            ["family_name"] = family,
            ["SubjectRefPro"] = new { codeCivilite = "DR", exercices = new[] { new { codeProfession = "10", codeCategorieProfessionnelle = "C", activities = Array.Empty<object>() } } },
            ["SubjectRole"] = new[] { "10^1.2.250.1.213.1.1.5.5" },
        },
    };

    [OneTimeSetUp]
    public async Task Start()
    {
        _provider = await PscProvider.StartAsync(new
        {
            clients = new[] { new { client_id = ClientId, client_secret = ClientSecret, redirect_uris = new[] { Callback }, token_endpoint_auth_method = "client_secret_basic" } },
            accounts = new Dictionary<string, object>
            {
                ["martin"] = Account("f3b1c2d4-psc-1", "810001234565", "Jean", "Martin"),
                ["rpps-only"] = Account("f3b1c2d4-psc-2", "810009876540", "Claire", "Dubois"),
                ["unknown"] = Account("f3b1c2d4-psc-3", "810009999995", "Paul", "Inconnu"),
                ["inactive"] = Account("f3b1c2d4-psc-4", "0751234567", "Anne", "Retraite"),
                ["twice"] = Account("f3b1c2d4-psc-5", "810005555551", "Luc", "Double"),
                ["password-only"] = Account("f3b1c2d4-psc-6", "810001234565", "Jean", "Martin", acr: "low"),
                ["forged-nonce"] = Account("f3b1c2d4-psc-7", "810001234565", "Jean", "Martin", forgeNonce: true),
            },
        });
        _factory = new ServerFactory(store, new()
        {
            ["Auth:Mode"] = "smart",
            ["Smart:ProSanteConnect:Enabled"] = "true",
            ["Smart:ProSanteConnect:Issuer"] = _provider.Issuer,
            ["Smart:ProSanteConnect:ClientId"] = ClientId,
            ["Smart:ProSanteConnect:ClientSecret"] = ClientSecret,
        }, b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter, SignedInUserEcho>()));
        await Seed("pr-idnat", """{"resourceType":"Practitioner","id":"pr-idnat","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"810001234565"}],"name":[{"family":"Martin","given":["Jean"]}]}""");
        await Seed("pr-rpps", """{"resourceType":"Practitioner","id":"pr-rpps","identifier":[{"system":"https://rpps.esante.gouv.fr","value":"10009876540"}]}""");
        await Seed("pr-inactive", """{"resourceType":"Practitioner","id":"pr-inactive","active":false,"identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"0751234567"}]}""");
        await Seed("pr-twice-1", """{"resourceType":"Practitioner","id":"pr-twice-1","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"810005555551"}]}""");
        await Seed("pr-twice-2", """{"resourceType":"Practitioner","id":"pr-twice-2","identifier":[{"system":"https://rpps.esante.gouv.fr","value":"10005555551"}]}""");
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _factory.Dispose();
        _provider.Dispose();
    }

    private async Task Seed(string id, string json)
    {
        var service = _factory.Services.GetRequiredService<ResourceService>();
        var resource = _factory.Services.GetRequiredService<ConformanceContext>().Json.Parse(Encoding.UTF8.GetBytes(json)).Resource!;
        await service.InTransactionAsync(session => service.CreateAsync(session, resource, id), CancellationToken.None);
    }

    /// <summary>From the login link to PSC's sign-in form, then the form submitted with <paramref name="login"/>.</summary>
    private static async Task<BrowserPage> SignInAsync(TestBrowser browser, string login, string returnUrl = "/test/user", Func<Uri, bool>? stopAt = null)
    {
        var form = await browser.GoAsync("/auth/psc/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.That(form.Status, Is.EqualTo(HttpStatusCode.OK), form.Body);
        Assert.That(form.Body, Does.Contain("name=\"login\""), "PSC's sign-in form");
        return await browser.SubmitAsync(form, new() { ["login"] = login }, stopAt);
    }

    private static async Task<Dictionary<string, List<string>>?> SignedInUser(TestBrowser browser)
    {
        var page = await browser.GoAsync("/test/user");
        return page.Body == "anonymous" ? null : JsonSerializer.Deserialize<Dictionary<string, List<string>>>(page.Body);
    }

    [Test]
    public async Task A_practitioner_signs_in_as_the_Practitioner_carrying_their_national_id()
    {
        using var browser = new TestBrowser(_factory);
        var form = await browser.GoAsync("/auth/psc/login?returnUrl=" + Uri.EscapeDataString("/test/user"));
        Assert.That(form.Uri.AbsoluteUri, Does.StartWith(_provider.Issuer), "sent to PSC");
        Assert.That(form.Body, Does.Contain("scope=openid scope_all;acr_values=eidas1;code_challenge_method=S256"), "PSC's scopes and authentication level asked, with PKCE");

        var back = await browser.SubmitAsync(form, new() { ["login"] = "martin" });
        Assert.That(browser.Visited.Any(u => u.AbsoluteUri.StartsWith(Callback, StringComparison.Ordinal)), Is.True, "PSC sent the browser back to the callback");
        Assert.That(back.Uri.AbsolutePath, Is.EqualTo("/test/user"), "back to the return URL: " + back.Body);
        var user = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(back.Body)!;
        Assert.That(user["sub"], Is.EqualTo(new[] { "810001234565" }), "sub is the IdNatPS");
        Assert.That(user["fhirUser"], Is.EqualTo(new[] { "Practitioner/pr-idnat" }));
        Assert.That(user["name"], Is.EqualTo(new[] { "Jean Martin" }));
        Assert.That(user["idp"], Is.EqualTo(new[] { SmartSession.ProSanteConnectProvider }));
        Assert.That(user["acr"], Is.EqualTo(new[] { "eidas1" }));
        Assert.That(user["SubjectRefPro"][0], Does.Contain("\"codeProfession\":\"10\""), "PSC's exercises kept as they came");
    }

    [Test]
    public async Task A_record_with_the_rpps_slice_only_is_found_and_without_a_return_url_a_page_says_who_signed_in()
    {
        using var browser = new TestBrowser(_factory, "fr-FR,fr;q=0.9,en;q=0.5");
        var form = await browser.GoAsync("/auth/psc/login");
        var page = await browser.SubmitAsync(form, new() { ["login"] = "rpps-only" });
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Body);
        Assert.That(page.Body, Does.Contain("lang=\"fr\"").And.Contains("Claire Dubois (Practitioner/pr-rpps)"));
        Assert.That((await SignedInUser(browser))!["fhirUser"], Is.EqualTo(new[] { "Practitioner/pr-rpps" }));
    }

    [TestCase("unknown", "fr-FR,fr;q=0.9", "lang=\"fr\"", "Connexion refusée", "Aucun professionnel de santé")]
    [TestCase("unknown", "en-GB,en;q=0.8,fr;q=0.5", "lang=\"en\"", "Sign-in refused", "No practitioner (Practitioner) on this server carries your national identifier 810009999995")]
    [TestCase("inactive", "en", "lang=\"en\"", "Sign-in refused", "is inactive on this server")]
    [TestCase("twice", "fr", "lang=\"fr\"", "Connexion refusée", "Plusieurs professionnels de santé")]
    [TestCase("password-only", "en", "lang=\"en\"", "Sign-in refused", "authenticated you at level &quot;low&quot;; this server requires level eidas1")]
    public async Task A_practitioner_without_exactly_one_active_record_or_below_eidas1_is_refused_with_a_page(string login, string language, string lang, string title, string text)
    {
        using var browser = new TestBrowser(_factory, language);
        var page = await SignInAsync(browser, login);
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.Forbidden), page.Body);
        Assert.That(page.Uri.AbsoluteUri, Does.StartWith(Callback), "the callback answers, it does not go on to the return URL");
        Assert.That(page.Response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(page.Body, Does.Contain(lang).And.Contains($"<h1>{title}</h1>").And.Contains(text));
        Assert.That(page.Body, Does.Not.Contain("<script"), "a plain page");
        Assert.That(await SignedInUser(browser), Is.Null, "not signed in");
    }

    [Test]
    public async Task An_id_token_with_another_nonce_is_refused()
    {
        using var browser = new TestBrowser(_factory);
        var page = await SignInAsync(browser, "forged-nonce");
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest), page.Body);
        Assert.That(page.Body, Does.Contain("Sign-in failed").And.Contains("nonce"));
        Assert.That(await SignedInUser(browser), Is.Null);
    }

    [Test]
    public async Task A_sign_in_cancelled_at_psc_ends_on_a_page()
    {
        using var browser = new TestBrowser(_factory, "fr");
        var form = await browser.GoAsync("/auth/psc/login?returnUrl=%2Ftest%2Fuser");
        var page = await browser.SubmitAsync(form, new() { ["cancel"] = "1" });
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest), page.Body);
        Assert.That(page.Uri.AbsoluteUri, Does.StartWith(Callback));
        Assert.That(page.Body, Does.Contain("Échec de la connexion").And.Contains("access_denied"));
        Assert.That(await SignedInUser(browser), Is.Null);
    }

    [Test]
    public async Task A_response_brought_to_another_browser_or_replayed_or_forged_is_refused()
    {
        using var victim = new TestBrowser(_factory);
        // PSC's answer for one browser, stopped before it reaches the server…
        var answer = await SignInAsync(victim, "martin", stopAt: u => u.AbsoluteUri.StartsWith(Callback, StringComparison.Ordinal));
        Assert.That(answer.Uri.Query, Does.Contain("code=").And.Contains("state="));
        // …does not sign in another browser (no correlation cookie for its state: login CSRF, code injection).
        using var attacker = new TestBrowser(_factory);
        var stolen = await attacker.GoAsync(answer.Uri.PathAndQuery);
        Assert.That(stolen.Status, Is.EqualTo(HttpStatusCode.BadRequest), stolen.Body);
        Assert.That(stolen.Body, Does.Contain("correlation cookie"));
        Assert.That(await SignedInUser(attacker), Is.Null);

        // The state is single-use: OpenIddict redeemed it on that attempt, so the answer is spent for its browser too.
        Assert.That((await victim.GoAsync(answer.Uri.PathAndQuery)).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        // A new answer (PSC's session is open: no form this time) completes once in the browser it was for; the same
        // answer again is refused.
        var second = await victim.GoAsync("/auth/psc/login?returnUrl=%2Ftest%2Fuser", u => u.AbsoluteUri.StartsWith(Callback, StringComparison.Ordinal));
        Assert.That(second.Uri.Query, Does.Contain("code="));
        var done = await victim.GoAsync(second.Uri.PathAndQuery);
        Assert.That(done.Uri.AbsolutePath, Is.EqualTo("/test/user"), done.Body);
        var replayed = await victim.GoAsync(second.Uri.PathAndQuery);
        Assert.That(replayed.Status, Is.EqualTo(HttpStatusCode.BadRequest), replayed.Body);
        Assert.That(replayed.Body, Does.Contain("redeemed"));

        var forged = await attacker.GoAsync("/auth/psc/callback?code=abc&state=forged&iss=" + Uri.EscapeDataString(_provider.Issuer));
        Assert.That(forged.Status, Is.EqualTo(HttpStatusCode.BadRequest), forged.Body);
        Assert.That(forged.Body, Does.Contain("Sign-in failed"));
        Assert.That(await SignedInUser(attacker), Is.Null);
    }

    [TestCase("https://elsewhere.example/")]
    [TestCase("//elsewhere.example/path")]
    [TestCase("/\\elsewhere.example")]
    [TestCase("javascript:alert(1)")]
    public async Task The_return_url_must_be_a_path_of_this_server(string returnUrl)
    {
        using var browser = new TestBrowser(_factory);
        var page = await browser.GoAsync("/auth/psc/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.Body, Does.Contain("is not a page of this server"));
        Assert.That(browser.Visited, Has.Count.EqualTo(1), "not sent to PSC");
    }

    [Test]
    public async Task The_sign_in_cookie_is_not_an_access_token_for_the_api()
    {
        using var browser = new TestBrowser(_factory);
        var back = await SignInAsync(browser, "martin");
        Assert.That(back.Uri.AbsolutePath, Is.EqualTo("/test/user"), back.Body);
        var read = await browser.GoAsync("/Practitioner/pr-idnat");
        Assert.That(read.Status, Is.EqualTo(HttpStatusCode.Unauthorized), "the FHIR API wants a bearer token");
    }

    [Test]
    public async Task Psc_out_of_reach_is_a_page_not_a_server_error()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        using var factory = new ServerFactory(store, new()
        {
            ["Auth:Mode"] = "smart",
            ["Smart:ProSanteConnect:Enabled"] = "true",
            ["Smart:ProSanteConnect:Issuer"] = closed,
            ["Smart:ProSanteConnect:ClientId"] = ClientId,
            ["Smart:ProSanteConnect:ClientSecret"] = ClientSecret,
        });
        using var browser = new TestBrowser(factory, "fr");
        var page = await browser.GoAsync("/auth/psc/login?returnUrl=%2F");
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadGateway), page.Body);
        Assert.That(page.Body, Does.Contain("lang=\"fr\"").And.Contains("Pro Santé Connect ne répond pas"));
    }

    /// <summary><c>/test/user</c>: the claims of the user signed in with the sign-in cookie (<see cref="SmartSession"/>), or "anonymous".</summary>
    private sealed class SignedInUserEcho : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.MapWhen(http => http.Request.Path == "/test/user", echo => echo.Run(async http =>
            {
                var result = await http.AuthenticateAsync(SmartSession.Scheme);
                if (!result.Succeeded)
                {
                    await http.Response.WriteAsync("anonymous");
                    return;
                }
                var claims = result.Principal.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToList());
                await http.Response.WriteAsync(JsonSerializer.Serialize(claims));
            }));
            next(app);
        };
    }
}
