using System.Net;

namespace FhirServer.Tests.Smart;

/// <summary>Authorization requests and code exchanges that must fail, and how: back to the app, or on a page of ours.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class AuthorizeRefusalTests(string store) : SmartFlowTests(store)
{
    private const string Scope = "user/Patient.rs";

    [Test]
    public async Task Pkce_plain_or_no_challenge_is_refused()
    {
        using var browser = NewBrowser();
        var (verifier, _) = AppBrowser.Pkce();
        Log.Warnings.Clear();
        var plain = await browser.Open(AuthorizeUrl(Scope, verifier, method: "plain"));
        AssertRefusedOnPage(plain, "code_challenge_method");
        Assert.That(Log.Warnings, Has.Some.Contains("Authorization request of client app refused"));

        var none = await browser.Open(AuthorizeUrl(Scope, "", method: ""));
        AssertRefusedOnPage(none, "code_challenge");
    }

    [Test]
    public async Task A_request_without_state_or_for_another_server_is_refused()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        AssertRefusedOnPage(await browser.Open(AuthorizeUrl(Scope, challenge, state: null)), "state parameter is required");
        AssertRefusedOnPage(await browser.Open(AuthorizeUrl(Scope, challenge, extra: new() { ["aud"] = "https://other.example/fhir" })),
            "is not this FHIR server");
    }

    // OpenIddict answers the errors of its validation itself: on our error page, never with a code.
    private static void AssertRefusedOnPage(AppBrowser.Page page, string message)
    {
        Assert.That(page.Callback, Is.Null, page.Callback?.Query);
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.Text, Does.Contain("invalid_request").And.Contain(message));
    }

    [Test]
    public async Task An_unregistered_redirect_uri_is_answered_on_a_page_not_redirected()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        Log.Warnings.Clear();
        var page = await browser.Open(AuthorizeUrl(Scope, challenge, redirectUri: "https://evil.example/callback"));
        Assert.That(page.Callback, Is.Null, "never sent to a redirect_uri that is not registered");
        Assert.That(Log.Warnings, Has.Some.Contains("Authorization request of client app refused"));
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(page.Text, Does.Contain("redirect_uri"));
    }

    [Test]
    public async Task A_replayed_code_and_a_wrong_verifier_are_invalid_grant()
    {
        var (callback, verifier) = await Authorize("doctor", Scope);
        var code = callback.Query["code"];
        var wrong = await Exchange(code, AppBrowser.Pkce().Verifier);
        Assert.That((await Json(wrong, HttpStatusCode.BadRequest)).GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));

        var (callback2, verifier2) = await Authorize("doctor", Scope);
        await Json(await Exchange(callback2.Query["code"], verifier2));
        Log.Warnings.Clear();
        var replayed = await Exchange(callback2.Query["code"], verifier2);
        Assert.That((await Json(replayed, HttpStatusCode.BadRequest)).GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
        Assert.That(Log.Warnings, Has.Some.Contains("Token request of client app refused"));
        _ = verifier;
    }

    [Test]
    public async Task Deny_on_consent_sends_access_denied_to_the_app()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        var consent = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge)), "doctor");
        var denied = await browser.Submit(consent, "decision", button: ("decision", "deny"));
        Assert.That(denied.Query["error"], Is.EqualTo("access_denied"));
        Assert.That(denied.Query["state"], Is.EqualTo("state-1"));
        Assert.That(denied.Query.GetValueOrDefault("code"), Is.Null);
    }

    [Test]
    public async Task A_decision_without_the_anti_forgery_token_is_refused()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        var consent = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge)), "doctor");
        var forged = await browser.Submit(consent, "decision", button: ("decision", "allow"), withAntiforgery: false);
        Assert.That(forged.Callback, Is.Null);
        Assert.That(forged.Status, Is.EqualTo(HttpStatusCode.BadRequest));

        // A decision in the query string of a GET is not one.
        var url = AuthorizeUrl(Scope, challenge, extra: new() { ["decision"] = "allow" });
        var page = await browser.Open(url);
        Assert.That(page.Callback, Is.Null);
        Assert.That(page.Document!.QuerySelector("button[name=decision]"), Is.Not.Null, "the consent page again");
    }

    [Test]
    public async Task A_wrong_password_shows_the_form_again_in_the_browsers_language()
    {
        using var browser = NewBrowser();
        browser.AcceptLanguage = "en-GB,en;q=0.9";
        var (_, challenge) = AppBrowser.Pkce();
        var login = await browser.Open(AuthorizeUrl(Scope, challenge));
        Assert.That(login.Document!.DocumentElement.GetAttribute("lang"), Is.EqualTo("en"));
        var again = await SignIn(browser, login, "doctor", "not-the-password");
        Assert.That(again.Document!.QuerySelector("[role=alert]")!.TextContent, Does.Contain("Wrong user name or password"));
        Assert.That(again.Document.QuerySelector("input[name=password]"), Is.Not.Null);

        browser.AcceptLanguage = "fr-FR,fr;q=0.9,en;q=0.5";
        var french = await SignIn(browser, again, "nobody", "x");
        Assert.That(french.Document!.DocumentElement.GetAttribute("lang"), Is.EqualTo("fr"));
        Assert.That(french.Text, Does.Contain("Identifiant ou mot de passe incorrect"));
    }

    [Test]
    public async Task An_authorization_request_may_be_posted()
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var url = new Uri(new Uri("http://localhost"), AuthorizeUrl(Scope, challenge));
        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
        var login = await browser.Send(new HttpRequestMessage(HttpMethod.Post, url.AbsolutePath) { Content = new FormUrlEncodedContent(form) });
        var consent = await SignIn(browser, login, "doctor");
        var callback = await browser.Submit(consent, "decision", button: ("decision", "allow"));
        await Json(await Exchange(callback.Query["code"], verifier));
    }
}
