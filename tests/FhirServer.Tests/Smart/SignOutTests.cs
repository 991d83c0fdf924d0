using System.Net;
using System.Text.Json;
using FhirServer.Smart;
using Microsoft.AspNetCore.WebUtilities;

namespace FhirServer.Tests.Smart;

/// <summary>
/// The end-session endpoint (OpenID Connect RP-Initiated Logout): it ends the sign-in at the authorization server and
/// sends the browser back only to a <c>post_logout_redirect_uri</c> registered for the client, with the <c>state</c>.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SignOutTests(string store) : SmartFlowTests(store)
{
    public const string SignedOutUri = "https://app.example/signed-out";

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:Clients:1:PostLogoutRedirectUris:0"] = SignedOutUri;
        return settings;
    }

    [Test]
    public async Task The_openid_configuration_publishes_the_end_session_endpoint()
    {
        var openid = JsonDocument.Parse(await Client.GetStringAsync("/.well-known/openid-configuration")).RootElement;
        Assert.That(openid.GetProperty("end_session_endpoint").GetString(), Is.EqualTo("http://localhost/auth/logout"));
    }

    [Test]
    public async Task Sign_out_ends_the_session_and_goes_back_to_the_registered_uri_with_the_state()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        await SignIn(browser, await browser.Open(AuthorizeUrl("user/Patient.rs", challenge)), "doctor");
        var again = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        Assert.That(again.Document?.QuerySelector("button[name=decision]"), Is.Not.Null, "signed in: straight to consent");

        var back = await browser.Open(LogoutUrl(SignedOutUri, "bye-1"));
        Assert.That(back.Callback?.GetLeftPart(UriPartial.Path), Is.EqualTo(SignedOutUri), back.Text);
        Assert.That(back.Query.GetValueOrDefault("state"), Is.EqualTo("bye-1"));

        var after = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        Assert.That(after.Document?.QuerySelector("input[name=password]"), Is.Not.Null, "signed out: the login page again: " + after.Text);
    }

    [Test]
    public async Task An_unregistered_post_logout_redirect_uri_is_answered_on_a_page_and_the_session_is_kept()
    {
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        await SignIn(browser, await browser.Open(AuthorizeUrl("user/Patient.rs", challenge)), "doctor");

        var refused = await browser.Open(LogoutUrl("https://evil.example/signed-out", "x"));
        Assert.That(refused.Callback, Is.Null, "never sent to an unregistered address");
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(refused.Document?.QuerySelector("[role=alert]")?.TextContent, Does.Contain("post_logout_redirect_uri"), refused.Text);
        var still = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        Assert.That(still.Document?.QuerySelector("button[name=decision]"), Is.Not.Null, "a refused sign-out signs no one out");
    }

    [Test]
    public async Task Without_a_post_logout_redirect_uri_a_page_says_the_user_is_signed_out()
    {
        using var browser = NewBrowser();
        browser.AcceptLanguage = "en";
        var (_, challenge) = AppBrowser.Pkce();
        await SignIn(browser, await browser.Open(AuthorizeUrl("user/Patient.rs", challenge)), "doctor");
        var page = await browser.Open(SmartServer.EndSessionPath);
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Text, Does.Contain("You are signed out."));
        var after = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        Assert.That(after.Document?.QuerySelector("input[name=password]"), Is.Not.Null, after.Text);
    }

    [Test]
    public async Task Sign_out_revokes_the_online_access_granted_in_that_session_and_keeps_offline_access()
    {
        using var browser = NewBrowser();
        var online = await Grant(browser, "user/Patient.rs online_access", signIn: true);
        var offline = await Grant(browser, "user/Patient.rs offline_access", signIn: false);
        using var elsewhere = NewBrowser();
        var otherSession = await Grant(elsewhere, "user/Patient.rs online_access", signIn: true);
        var onlineRefresh = online.GetProperty("refresh_token").GetString()!;
        Assert.That(await Active(onlineRefresh), Is.True, "before the sign-out");

        var page = await browser.Open(SmartServer.EndSessionPath);
        Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Text);

        var refused = await Json(await Refresh(onlineRefresh), HttpStatusCode.BadRequest);
        Assert.That(refused.GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
        Assert.That(await Active(onlineRefresh), Is.False, "the online refresh token");
        var onlineAccess = online.GetProperty("access_token").GetString()!;
        Assert.That(await Active(onlineAccess), Is.False, "the access token of the same authorization");
        Assert.That((await Fhir(onlineAccess, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var kept = await Json(await Refresh(offline.GetProperty("refresh_token").GetString()!));
        Assert.That((await Fhir(kept.GetProperty("access_token").GetString()!, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK),
            "offline_access outlives the session");
        Assert.That((await Fhir(offline.GetProperty("access_token").GetString()!, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var other = await Json(await Refresh(otherSession.GetProperty("refresh_token").GetString()!));
        Assert.That(other.TryGetProperty("access_token", out _), Is.True, "another sign-in of the same user is not ended");
    }

    [Test]
    public async Task A_refused_sign_out_revokes_nothing()
    {
        using var browser = NewBrowser();
        var online = await Grant(browser, "user/Patient.rs online_access", signIn: true);
        var refused = await browser.Open(LogoutUrl("https://evil.example/signed-out", "x"));
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Active(online.GetProperty("refresh_token").GetString()!), Is.True);
        Assert.That((await Json(await Refresh(online.GetProperty("refresh_token").GetString()!))).TryGetProperty("access_token", out _), Is.True);
    }

    /// <summary>An authorization of the confidential app in <paramref name="browser"/>'s session: its token response.</summary>
    private async Task<JsonElement> Grant(AppBrowser browser, string scope, bool signIn)
    {
        var (verifier, challenge) = AppBrowser.Pkce();
        var page = await browser.Open(AuthorizeUrl(scope, challenge, client: ConfidentialApp));
        if (signIn) page = await SignIn(browser, page, "doctor");
        page = await browser.Submit(page, "decision", button: ("decision", "allow"));
        Assert.That(page.Callback, Is.Not.Null, page.Text);
        return await Json(await Exchange(page.Query["code"], verifier, ConfidentialApp, AppSecret));
    }

    private Task<HttpResponseMessage> Refresh(string refreshToken) =>
        PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken }, ConfidentialApp, AppSecret);

    private async Task<bool> Active(string token) =>
        (await Json(await PostToken(new() { ["token"] = token }, ConfidentialApp, AppSecret, SmartServer.IntrospectionPath)))
            .GetProperty("active").GetBoolean();

    private static string LogoutUrl(string redirect, string state) => QueryHelpers.AddQueryString(SmartServer.EndSessionPath, new Dictionary<string, string?>
    {
        ["client_id"] = PublicApp, ["post_logout_redirect_uri"] = redirect, ["state"] = state,
    });
}
