using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FhirServer.Tests.Smart;

/// <summary>
/// A standalone launch by a practitioner who signs in through Pro Santé Connect rather than as a local user: the login
/// page's PSC link, the provider standing in for PSC (<see cref="PscProvider"/>), back to the authorization request, then
/// the same picker, consent and tokens as a local user's, for the Practitioner carrying the national id.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public partial class ProSanteConnectLaunchTests(string store) : SmartFlowTests(store)
{
    private const string IdNatPs = "810001234565";
    private PscProvider _provider = null!;

    protected override Dictionary<string, string> Settings()
    {
        // The provider is up before the server reads its issuer at start-up.
        _provider = PscProvider.StartAsync(new
        {
            clients = new[]
            {
                new
                {
                    client_id = ProSanteConnectTests.ClientId, client_secret = ProSanteConnectTests.ClientSecret,
                    redirect_uris = new[] { ProSanteConnectTests.Callback }, token_endpoint_auth_method = "client_secret_basic",
                    post_logout_redirect_uris = new[] { "http://localhost/auth/psc/signed-out" },
                },
            },
            accounts = new Dictionary<string, object> { ["martin"] = ProSanteConnectTests.Account("f3b1c2d4-psc-1", IdNatPs, "Jean", "Martin") },
        }).GetAwaiter().GetResult();
        var settings = base.Settings();
        settings["Smart:Clients:1:PostLogoutRedirectUris:0"] = SignOutTests.SignedOutUri;
        settings["Smart:ProSanteConnect:Enabled"] = "true";
        settings["Smart:ProSanteConnect:Issuer"] = _provider.Issuer;
        settings["Smart:ProSanteConnect:ClientId"] = ProSanteConnectTests.ClientId;
        settings["Smart:ProSanteConnect:ClientSecret"] = ProSanteConnectTests.ClientSecret;
        return settings;
    }

    [OneTimeSetUp]
    public async Task SeedPractitioner()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/Practitioner/prac-psc")
        {
            Content = new StringContent("""{"resourceType":"Practitioner","id":"prac-psc","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"810001234565"}],"name":[{"family":"Martin","given":["Jean"]}]}""",
                Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await AccessToken(scope: "system/*.cruds"));
        var response = await Client.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.AnyOf(200, 201), await response.Content.ReadAsStringAsync());
    }

    [OneTimeTearDown]
    public void StopProvider() => _provider.Dispose();

    [Test]
    public async Task A_practitioner_signed_in_through_psc_picks_a_patient_and_gets_tokens_for_their_practitioner()
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var authorize = AuthorizeUrl("launch/patient patient/Patient.rs openid fhirUser", challenge);
        var login = await browser.Open(authorize);
        var link = login.Document?.QuerySelector("a[href*='/auth/psc/login']");
        Assert.That(link?.TextContent, Is.EqualTo("Pro Santé Connect"), "the login page's PSC link: " + login.Text);
        var href = link!.GetAttribute("href")!;
        var returnUrl = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("http://localhost"), href).Query)["returnUrl"].ToString();
        Assert.That(returnUrl, Does.StartWith("/auth/authorize?").And.Contain("code_challenge=" + challenge), "back to the same authorization request");

        var atProvider = await browser.Open(href);
        Assert.That(atProvider.Callback?.AbsoluteUri, Does.StartWith(_provider.Issuer), "sent to PSC: " + atProvider.Text);
        var back = await SignInAtProvider(atProvider.Callback!, "martin");
        Assert.That(back.AbsoluteUri, Does.StartWith(ProSanteConnectTests.Callback));

        var picker = await browser.Open(back.PathAndQuery);
        var radios = picker.Document?.QuerySelectorAll("input[type=radio][name=patient]").Select(r => r.GetAttribute("value")).ToList();
        Assert.That(radios, Is.EquivalentTo(new[] { "pat1", "pat2" }), "a practitioner picks among the patients of the store: " + picker.Text);
        var consent = await browser.Submit(picker, "patient", new() { ["patient"] = "pat2" });
        Assert.That(consent.Text, Does.Contain("Jean Martin").And.Contain("Bob Durand"));
        var callback = await browser.Submit(consent, "decision", button: ("decision", "allow"));
        Assert.That(callback.Callback!.GetLeftPart(UriPartial.Path), Is.EqualTo(AppBrowser.RedirectUri), callback.Text);

        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat2"));
        var idToken = new JsonWebToken(token.GetProperty("id_token").GetString()!);
        Assert.That(idToken.GetClaim("fhirUser").Value, Is.EqualTo("http://localhost/Practitioner/prac-psc"));
        Assert.That(idToken.GetClaim("sub").Value, Is.EqualTo(IdNatPs), "sub is the IdNatPS");
        var access = token.GetProperty("access_token").GetString()!;
        var claims = await UserClaims(access);
        Assert.That(claims!["fhirUser"], Is.EqualTo(new[] { "Practitioner/prac-psc" }));
        Assert.That(claims["sub"], Is.EqualTo(new[] { IdNatPs }));
        var patient = await Fhir(access, "/Patient/pat2");
        Assert.That(patient.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await patient.Content.ReadAsStringAsync(), Does.Contain("\"Durand\""));
        Assert.That((await Fhir(access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another patient");
    }

    // Sign-out of a practitioner signed in through PSC: the session here ends, and the browser goes to PSC's
    // end_session_endpoint with PSC's ID token as id_token_hint, to come back to this server's post-logout path.
    [Test]
    public async Task Sign_out_of_a_psc_user_goes_through_pscs_end_session_endpoint()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        var login = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        var atProvider = await browser.Open(login.Document!.QuerySelector("a[href*='/auth/psc/login']")!.GetAttribute("href")!);
        var back = await SignInAtProvider(atProvider.Callback!, "martin");
        var consent = await browser.Open(back.PathAndQuery);
        Assert.That(consent.Document?.QuerySelector("button[name=decision]"), Is.Not.Null, "signed in through PSC: " + consent.Text);

        var logout = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/auth/logout", new Dictionary<string, string?>
        {
            ["client_id"] = PublicApp, ["post_logout_redirect_uri"] = SignOutTests.SignedOutUri, ["state"] = "bye-psc",
        });
        var atPsc = await browser.Open(logout);
        Assert.That(atPsc.Callback?.AbsoluteUri, Does.StartWith(_provider.Issuer), "sent to PSC: " + atPsc.Text);
        var query = atPsc.Query;
        Assert.That(query.GetValueOrDefault("post_logout_redirect_uri"), Is.EqualTo("http://localhost/auth/psc/signed-out"));
        var hint = new JsonWebToken(query["id_token_hint"]);
        Assert.That(hint.Issuer.TrimEnd('/'), Is.EqualTo(_provider.Issuer.TrimEnd('/')), "PSC's own ID token as the hint");
        Assert.That(hint.Audiences, Does.Contain(ProSanteConnectTests.ClientId));

        var after = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        Assert.That(after.Document?.QuerySelector("input[name=password]"), Is.Not.Null, "signed out here: " + after.Text);
    }

    /// <summary>At the provider (its own site and cookies): its sign-in form with <paramref name="login"/>, until it sends the browser back to this server.</summary>
    private static async Task<Uri> SignInAtProvider(Uri start, string login)
    {
        using var network = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });
        var request = new HttpRequestMessage(HttpMethod.Get, start);
        var at = start;
        for (var hops = 0; hops < 10; hops++)
        {
            var response = await network.SendAsync(request);
            if (response.Headers.Location is { } location)
            {
                at = new Uri(at, location);
                if (at.Host == "localhost") return at;
                request = new HttpRequestMessage(HttpMethod.Get, at);
                continue;
            }
            var body = await response.Content.ReadAsStringAsync();
            var action = FormAction().Match(body);
            Assert.That(action.Success, Is.True, $"the provider's sign-in form at {at}: {body}");
            at = new Uri(at, WebUtility.HtmlDecode(action.Groups[1].Value));
            request = new HttpRequestMessage(HttpMethod.Post, at) { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["login"] = login }) };
        }
        Assert.Fail("The provider did not send the browser back");
        return null!;
    }

    [GeneratedRegex("<form[^>]*action=\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex FormAction();
}
